import { expect, test, type Page } from "@playwright/test";
import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const sharedDatasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");
const alpacaDemo = join(sharedDatasets, "alpaca_en_demo.json");

/** Uploads through the home page's file input, keeps the proposed mapping and imports; ends on the dataset page. */
async function importThroughPage(page: Page, file: string, expectedFormat: string) {
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(file);
  const mapper = page.getByTestId("column-mapper");
  await expect(mapper).toBeVisible();
  await expect(mapper.getByRole("combobox", { name: "Format" })).toHaveValue(expectedFormat);
  await mapper.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  return page.url().split("/datasets/")[1]!.split(/[?#]/)[0]!;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) if (line.trim()) n++;
  return n;
}

test("a new user imports, explores, exports, re-imports and deletes a dataset", async ({ page }) => {
  const expectedRows = (JSON.parse(readFileSync(alpacaDemo, "utf8")) as unknown[]).length;
  expect(expectedRows).toBe(999);

  await importThroughPage(page, alpacaDemo, "alpaca_json");
  await expect(page.getByTestId("row-count")).toHaveText("999");
  await expect(page.getByTestId("rejected-count")).toHaveText("0");
  await expect(page.getByTestId("duplicate-count")).toHaveText(/^\d+$/);

  // The length histograms: bars drawn, axes in characters until token counts exist.
  for (const id of ["histogram-prompt", "histogram-response"]) {
    const chart = page.getByTestId(id);
    await expect(chart).toContainText("characters");
    await expect(chart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  }
  await expect(page.getByTestId("row-item").first()).toBeVisible();
  await page.screenshot({ path: "/tmp/dataset-page.png", fullPage: true });

  // The browser only renders what is on screen: row #900 appears once the list jumps there.
  await expect(page.getByTestId("row-item").filter({ hasText: "#900" })).toHaveCount(0);
  await page.getByRole("spinbutton", { name: "Go to row" }).fill("900");
  await page.getByRole("button", { name: "Go", exact: true }).click();
  await expect(page.getByTestId("row-item").filter({ hasText: "#900" })).toBeVisible();
  expect(await page.getByTestId("row-item").count()).toBeLessThan(60);

  // Full-text search: the count shows, the query is in the URL, survives a reload, and a match opens in full.
  await page.getByRole("searchbox", { name: "Search rows" }).fill("crepes");
  await expect(page).toHaveURL(/[?&]q=crepes/);
  await expect(page.getByTestId("search-count")).toHaveText(/^[1-9]\d* rows? match(es)? “crepes”$/);
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search rows" })).toHaveValue("crepes");
  const firstMatch = page.getByTestId("row-item").first();
  await expect(firstMatch.locator("mark").first()).toHaveText(/crepes/i);
  await firstMatch.click();
  const rowView = page.getByTestId("row-view");
  await expect(rowView).toContainText("Describe a process of making crepes.");
  await expect(rowView.locator(".turn.user .role")).toHaveText("user");
  await expect(rowView.locator(".turn.assistant")).toContainText("Making crepes is an easy and delicious process!");
  await expect(page).toHaveURL(/[?&]row=\d+/);
  await page.screenshot({ path: "/tmp/dataset-page-search.png", fullPage: true });

  // Export in Alpaca form, then import the export: the same number of rows comes back.
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export Alpaca JSONL" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("alpaca_en_demo.alpaca.jsonl");
  const exported = join(await mkdtemp(join(tmpdir(), "distill-export-")), download.suggestedFilename());
  await download.saveAs(exported);
  expect(await countLines(exported)).toBe(999);
  const firstExported = JSON.parse((await readFile(exported, "utf8")).split("\n")[0]!);
  expect(firstExported.instruction).toBe("Describe a process of making crepes.");

  await importThroughPage(page, exported, "alpaca_jsonl");
  await expect(page.getByTestId("row-count")).toHaveText("999");
  await expect(page.getByTestId("rejected-count")).toHaveText("0");

  // Rename inline: the new name shows and is what the home list links to.
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByRole("textbox", { name: "New dataset name" }).fill("alpaca round trip");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("dataset-name")).toHaveText("alpaca round trip");

  // Delete asks first; keeping it changes nothing, confirming removes it and goes home.
  await page.getByRole("button", { name: "Delete dataset" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("999 rows");
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Delete dataset" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "alpaca round trip" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "alpaca_en_demo", exact: true })).toBeVisible();
});

test("a truncated JSON file dropped on the page fails with a message that says where", async ({ page }) => {
  const whole = await readFile(alpacaDemo, "utf8");
  const truncated = whole.slice(0, Math.floor(whole.length / 3));
  await page.goto("/");
  // Drag and drop, as a user would from a file manager: a DataTransfer holding the file, dropped on the zone.
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "truncated.json", { type: "application/json" }));
    return dt;
  }, truncated);
  const zone = page.locator(".dropzone");
  await zone.dispatchEvent("dragenter", { dataTransfer });
  await zone.dispatchEvent("drop", { dataTransfer });
  const mapper = page.getByTestId("column-mapper");
  // The upload panel's own alert (Next keeps an empty route announcer with role=alert on every page).
  const alert = page.getByRole("alert").and(page.locator(".error"));
  await expect(mapper.or(alert)).toBeVisible();
  if (await mapper.isVisible()) await mapper.getByRole("button", { name: "Import" }).click();
  await expect(alert).toContainText(/the JSON array is truncated: the file ends at line \d+ inside element \d+/);
  await writeFile("/tmp/truncated-error.txt", (await alert.textContent()) ?? "");
});

test("records that cannot be read are listed with line and reason, and download", async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), "distill-rejects-"));
  const file = join(dir, "some-bad.jsonl");
  const good = (i: number) => JSON.stringify({ instruction: `Name a colour, take ${i}.`, input: "", output: "Teal." });
  await writeFile(file, [good(1), '{"instruction": "cut off', good(2), JSON.stringify({ input: "no instruction" }), good(3)].join("\n"));
  await importThroughPage(page, file, "alpaca_jsonl");
  await expect(page.getByTestId("row-count")).toHaveText("3");
  await expect(page.getByTestId("rejected-count")).toHaveText("2");
  const rejected = page.getByTestId("rejected-rows");
  await expect(rejected.locator("tbody tr")).toHaveCount(2);
  await expect(rejected.locator("tbody tr").first().locator("td").first()).toHaveText("line 2");
  await expect(rejected.locator("tbody tr").nth(1).locator("td").first()).toHaveText("line 4");

  const downloading = page.waitForEvent("download");
  await rejected.getByRole("link", { name: /Download rejected rows/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("some-bad.rejected.jsonl");
  const saved = join(dir, download.suggestedFilename());
  await download.saveAs(saved);
  const lines = (await readFile(saved, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { line: number; reason: string });
  expect(lines.map((l) => l.line)).toEqual([2, 4]);
  expect(lines.every((l) => l.reason.length > 0)).toBe(true);
});
