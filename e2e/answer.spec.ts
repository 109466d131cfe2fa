import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Issue 12, as a new user: the embedded teacher answers 20 prompts of an uploaded dataset into a new dataset. */

const sharedDatasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");

test("a new user answers 20 prompts with the embedded teacher and sees each answered row's origin", async ({ page }) => {
  const records = (JSON.parse(readFileSync(join(sharedDatasets, "alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, 20);
  const file = join(await mkdtemp(join(tmpdir(), "distill-answer-")), "twenty_prompts.json");
  await writeFile(file, JSON.stringify(records));

  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(file);
  await page.getByTestId("column-mapper").getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  const parentUrl = new URL(page.url()).pathname;

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
