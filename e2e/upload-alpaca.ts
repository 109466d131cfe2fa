import { expect, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const sharedDatasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");

/**
 * Uploads the first `count` records of alpaca_en_demo.json as `fileName` from the datasets page, as a user would,
 * and waits for the import; returns the records and the new dataset page's path.
 */
export async function uploadAlpaca(page: Page, count: number, fileName: string) {
  const records = (JSON.parse(readFileSync(join(sharedDatasets, "alpaca_en_demo.json"), "utf8")) as { output: string }[]).slice(0, count);
  const file = join(await mkdtemp(join(tmpdir(), "distill-e2e-upload-")), fileName);
  await writeFile(file, JSON.stringify(records));
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(file);
  await page.getByTestId("column-mapper").getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  return { records, path: new URL(page.url()).pathname };
}
