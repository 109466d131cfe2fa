import { expect, test } from "@playwright/test";

/** Issue 12.1, as a new user: start the embedded endpoint, test it, add an endpoint with a key, edit it, delete it. */

const KEY = "sk-e2e-7d41c9b0a3f25e68";

test("the endpoints page starts and tests the embedded server, and keeps a key it never shows", async ({ page }) => {
  const seen: string[] = [];
  page.on("response", async (response) => {
    if (response.url().includes("/api/trpc/")) seen.push(await response.text().catch(() => ""));
  });
  await page.goto("/");
  await page.getByRole("link", { name: "Endpoints" }).click();
  await expect(page.getByRole("heading", { name: "Endpoints", level: 1 })).toBeVisible();

  const embedded = page.getByTestId("embedded-endpoint");
  // An earlier spec (answer.spec) may have left it running until its idle stop: the user stops it first.
  await expect(page.getByTestId("embedded-state")).toHaveText(/^(stopped|running)$/, { timeout: 120_000 });
  if ((await page.getByTestId("embedded-state").textContent()) === "running") await embedded.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByTestId("embedded-state")).toHaveText("stopped");
  await embedded.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("embedded-state")).toHaveText("running", { timeout: 120_000 });
  const baseUrl = (await page.getByTestId("embedded-url").textContent())!;
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  await embedded.getByRole("button", { name: "Test" }).click();
  await expect(embedded.getByTestId("test-result")).toContainText(/Answered in \d+ ms/, { timeout: 120_000 });
  await expect(embedded.getByTestId("test-result")).toContainText("smollm2-135m-instruct");
  await embedded.getByText(/Server log/).click();
  await expect(page.getByTestId("embedded-log")).toContainText("POST /v1/chat/completions");

  // The same server added as a user's endpoint, with a key (llama.cpp's server without --api_key takes any).
  const form = page.getByTestId("endpoint-form");
  await form.getByLabel("Name").fill("local llama.cpp");
  await form.getByLabel("Base URL").fill(baseUrl);
  await form.getByLabel("Model").fill("smollm2-135m-instruct");
  await form.getByLabel(/API key/).fill(KEY);
  await form.getByLabel("Price per million output tokens (optional)").fill("0.25");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  const table = page.getByTestId("endpoints-table");
  const row = table.getByRole("row", { name: /local llama\.cpp/ });
  await expect(row).toContainText("key set");
  await expect(row).toContainText("— in / 0.25 out");
  await row.getByRole("button", { name: "Test" }).click();
  await expect(row.getByTestId("test-result")).toContainText(/Answered in \d+ ms/, { timeout: 120_000 });

  // Editing shows that a key is set, never the key.
  await row.getByRole("button", { name: "Edit" }).click();
  await expect(form).toContainText("(key set)");
  await expect(form.getByLabel(/API key/)).toHaveValue("");
  await form.getByLabel("Name").fill("renamed llama.cpp");
  await form.getByRole("button", { name: "Save" }).click();
  const renamed = table.getByRole("row", { name: /renamed llama\.cpp/ });
  await expect(renamed).toContainText("key set");
  expect(await page.content()).not.toContain(KEY);
  expect(seen.length).toBeGreaterThan(0);
  for (const body of seen) expect(body).not.toContain(KEY);

  // It fits a phone: nothing scrolls sideways at 390 px.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });

  await renamed.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete endpoint" }).click();
  await expect(page.getByText("None yet: add vLLM, Ollama, llama.cpp or a hosted API below.")).toBeVisible();

  await embedded.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByTestId("embedded-state")).toHaveText("stopped");
});
