import { expect, test } from "@playwright/test";
import { uploadAlpaca } from "./upload-alpaca";

/** Issue 12, as a new user: the embedded teacher answers 20 prompts of an uploaded dataset into a new dataset. */

test("a new user answers 20 prompts with the embedded teacher and sees each answered row's origin", async ({ page }) => {
  const { path: parentUrl } = await uploadAlpaca(page, 20, "twenty_prompts.json");

  // The embedded endpoint is the first choice; small answers keep the shared machine free.
  await expect(page.getByTestId("answer-endpoint")).toHaveValue("embedded");
  await page.getByTestId("answer-max-tokens").fill("24");
  await page.getByTestId("answer-temperature").fill("0");
  await page.getByTestId("answer-start").click();
  const job = page.getByTestId("answer-job");
  await expect(job.getByRole("progressbar")).toBeVisible();
  await expect(job.getByRole("progressbar")).toHaveAttribute("aria-label", /of 20 requests/, { timeout: 120_000 });
  await expect(job).toHaveAttribute("data-status", "succeeded", { timeout: 240_000 });

  await page.getByTestId("answered-dataset").click();
  await page.waitForURL((url) => url.pathname !== parentUrl && url.pathname.startsWith("/datasets/"));
  await expect(page.getByTestId("answered-from")).toContainText("Answered by a teacher from twenty_prompts");
  const rows = Number(await page.getByTestId("row-count").textContent());
  const setAside = Number(await page.getByTestId("rejected-count").textContent());
  expect(rows + setAside).toBe(20);
  expect(rows).toBeGreaterThan(0);

  const childUrl = new URL(page.url()).pathname;
  for (let idx = 0; idx < rows; idx++) {
    await page.goto(`${childUrl}?row=${idx}`);
    await expect(page.getByTestId("row-origin")).toContainText(/Teacher answer: smollm2-135m-instruct at http:\/\/127\.0\.0\.1:\d+\/v1, template answer-as-is v1, temperature 0/);
  }
  await page.getByTestId("parent-link").click();
  await expect(page).toHaveURL(new RegExp(`${parentUrl}$`));
  await page.goto(`${parentUrl}?row=0`);
  await expect(page.getByTestId("row-origin")).toHaveText("Original (imported)");
});
