import { expect, test, type Page } from "@playwright/test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fillTinyRun } from "./tiny-run";

/** A small file in a fresh folder, named as the user's upload would be. */
async function fileWith(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "distill-edges-")), name);
  await writeFile(path, text);
  return path;
}

const records = [
  { instruction: "Name a colour.", input: "", output: "Teal." },
  { instruction: "Name a fruit.", output: "Pear." },
  { output: "an answer with no question" },
  { instruction: "Name a tree.", output: "Oak." },
];

/** Uploads through the home page and waits for the column mapper. */
async function upload(page: Page, file: string) {
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(file);
  const mapper = page.getByTestId("column-mapper");
  await expect(mapper.getByRole("combobox", { name: "column for instruction" })).toHaveValue("instruction");
  return mapper;
}

test("unknown datasets, runs and curricula answer 404 with a page that leads back", async ({ page }) => {
  for (const path of ["/datasets/xyz", "/datasets/xyz/curriculum", "/runs/xyz", "/curricula/xyz", `/datasets/${"x".repeat(500)}`, "/datasets/xyz/nonsense", "/nope"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByTestId("not-found")).toContainText("Not found");
    await page.getByTestId("back-to-datasets").click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("upload-input")).toBeAttached();
  }
});

test("a folder above pages of one thing each leads to the page that lists those things", async ({ request }) => {
  const targets = { "/datasets": "/", "/curricula": "/", "/jobs": "/runs", "/docs": "/docs/methods" };
  for (const [path, target] of Object.entries(targets)) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(307);
    expect(res.headers().location, path).toBe(target);
    expect((await request.get(target, { maxRedirects: 0 })).status(), target).toBe(200);
  }
});

test("an import is refused until a prompt column is mapped, a taken name is warned about, and a JSON array's rows say element and line", async ({ page }) => {
  // Pretty-printed: element numbers and line numbers part ways from the second element on.
  const text = JSON.stringify(records, null, 2);
  const file = await fileWith("edge-cases.json", text);
  const starts = [...text.split("\n").entries()].filter(([, l]) => l === "  {").map(([i]) => i + 1);
  const lineOf = (element: number) => starts[element - 1];

  let mapper = await upload(page, file);
  await expect(page.getByTestId("mapping-refused")).toHaveCount(0);
  await expect(page.getByTestId("name-taken")).toHaveCount(0);
  await mapper.getByRole("combobox", { name: "column for instruction" }).selectOption("");
  await expect(page.getByTestId("mapping-refused")).toHaveText(/map an instruction or a messages column first/);
  await expect(mapper.getByRole("button", { name: "Import" })).toBeDisabled();
  await mapper.getByRole("combobox", { name: "column for instruction" }).selectOption("instruction");
  await expect(page.getByTestId("mapping-refused")).toHaveCount(0);
  await mapper.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await expect(page.getByTestId("row-count")).toHaveText("3");

  // Rows and rejected records name the element and the line it starts on, not the element as a line.
  await expect(page.getByTestId("rejected-where")).toHaveText(`element 3 (line ${lineOf(3)})`);
  await page.getByTestId("row-item").filter({ hasText: "Name a tree." }).click();
  await expect(page.getByTestId("row-where")).toHaveText(`element 4 (line ${lineOf(4)})`);

  // The same file again: its default name is taken now, which is said, without blocking the import.
  mapper = await upload(page, file);
  await expect(page.getByTestId("name-taken")).toContainText("A dataset named “edge-cases” already exists");
  await expect(mapper.getByRole("button", { name: "Import" })).toBeEnabled();
  await mapper.getByRole("textbox", { name: "Dataset name" }).fill("edge-cases 2");
  await expect(page.getByTestId("name-taken")).toHaveCount(0);
});

test("the Analyse form's refusal is a sentence, not zod's JSON", async ({ page }) => {
  const file = await fileWith("analyse-me.jsonl", records.slice(0, 2).map((r) => JSON.stringify(r)).join("\n"));
  const mapper = await upload(page, file);
  await mapper.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await page.getByTestId("open-curriculum").click();
  await page.getByTestId("score-layers").fill("0");
  await page.getByTestId("start-score").click();
  const alert = page.getByTestId("analysis-jobs").getByRole("alert");
  await expect(alert).toHaveText("student layers must be at least 1");
  await expect(page.getByTestId("job-score")).toHaveCount(0);
});

test("the launch form refuses a student with more layers than the teacher before anything is submitted", async ({ page }) => {
  await page.goto("/runs/new");
  await page.getByTestId("student-layers").fill("31");
  await expect(page.getByText("the student keeps at most the teacher's 30 layers (SmolLM2-135M has 30); choose 30 or fewer")).toBeVisible();
  await expect(page.getByTestId("launch")).toBeDisabled();
  // Field checks in the browser speak in sentences too.
  await page.getByTestId("field-batchSize").fill("0");
  await expect(page.getByText("batch size must be at least 1")).toBeVisible();
  await page.getByTestId("student-layers").fill("30");
  await expect(page.getByText(/the student keeps at most/)).toHaveCount(0);
});

test("the launch form says a train-rows value is not a number, and takes the field emptied as every row", async ({ page }) => {
  await page.goto("/runs/new");
  const field = page.getByTestId("field-trainSamples");
  await field.fill("12x");
  await expect(page.getByText("train samples must be a number")).toBeVisible();
  await field.fill("");
  await expect(page.getByText("train samples must be a number")).toHaveCount(0);
  await expect(field).not.toHaveAttribute("aria-invalid", "true");
});

test("a radio button sits beside its label", async ({ page }) => {
  const file = await fileWith("radios.jsonl", JSON.stringify(records[0]));
  const mapper = await upload(page, file);
  await mapper.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await page.getByTestId("open-curriculum").click();
  const label = page.getByTestId("tag-results").locator("label").first();
  await expect(label).toContainText("hand labels only");
  const layout = await label.evaluate((el) => {
    const radio = el.querySelector("input")!.getBoundingClientRect();
    const words = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
    const range = document.createRange();
    range.selectNode(words);
    const text = range.getBoundingClientRect();
    return { rightOfRadio: text.left >= radio.right, sameLine: text.top < radio.bottom && text.bottom > radio.top };
  });
  expect(layout).toEqual({ rightOfRadio: true, sameLine: true });
});

test("a teacher form's emptied temperature or max tokens is refused with a sentence, and no job starts", async ({ page }) => {
  const file = await fileWith("empty-fields.jsonl", records.slice(0, 2).map((r) => JSON.stringify(r)).join("\n"));
  const mapper = await upload(page, file);
  await mapper.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await expect(page.getByTestId("answer-count")).toHaveText("2 rows will be answered (duplicates aside).");
  const form = page.getByTestId("answer-start").locator("xpath=ancestor::form");
  // An empty temperature was sent as 0 (greedy decoding) without a word.
  await page.getByTestId("answer-temperature").fill("");
  await page.getByTestId("answer-start").click();
  await expect(form.getByRole("alert")).toHaveText("Enter a temperature from 0 to 2.");
  await page.getByTestId("answer-temperature").fill("0.7");
  await page.getByTestId("answer-max-tokens").fill("");
  await page.getByTestId("answer-start").click();
  await expect(form.getByRole("alert")).toHaveText("Enter the max tokens per answer: a whole number.");
  await expect(page.getByTestId("answer-job")).toHaveCount(0);
  // Typing a value clears the refusal.
  await page.getByTestId("answer-max-tokens").fill("8");
  await expect(form.getByRole("alert")).toHaveCount(0);
});

/** Loads the demo dataset and, once it is imported, opens its curriculum designer. */
async function openDemoDesigner(page: Page) {
  await page.goto("/");
  await page.getByTestId("load-demo").click();
  await page.waitForURL(/\/datasets\/[^/?]+$/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await page.getByTestId("open-curriculum").click();
}

/** The form fields of the page with no label (a placeholder is none: it goes once typed in, and is not reliably read out). */
const unnamedFields = (page: Page) =>
  page.locator("main").evaluate((main) =>
    [...main.querySelectorAll("input, select, textarea")]
      .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") && !el.closest("label") && !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)))
      .map((el) => (el as HTMLElement).dataset.testid ?? el.outerHTML.slice(0, 80)),
  );

test("the curriculum designer's and a saved curriculum's fields all have names a screen reader reads out", async ({ page }) => {
  await openDemoDesigner(page);
  await expect(page.getByTestId("saved-curricula")).toBeVisible();
  expect(await unnamedFields(page)).toEqual([]);
  await expect(page.getByRole("textbox", { name: "Curriculum name" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Tagger folder" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Difficulty scorer" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Schedule" })).toBeVisible();

  // A saved curriculum's launch panel: the run name and the device had no label either.
  await page.getByRole("combobox", { name: "Schedule" }).selectOption("plain");
  await page.getByRole("textbox", { name: "Curriculum name" }).fill("named fields");
  await page.getByTestId("save-curriculum").click();
  await page.getByTestId("saved-message").getByRole("link").click();
  await expect(page.getByTestId("curriculum-title")).toHaveText("named fields");
  expect(await unnamedFields(page)).toEqual([]);
  await expect(page.getByRole("textbox", { name: "Run name" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Device" })).toBeVisible();
  // A plain schedule is one stage of one bucket, said in the singular.
  await expect(page.getByTestId("plan-summary")).toHaveText(/^1 stage · \d+ optimizer steps · bucket size \d+$/);
});

test("the designer's N, eval rows and seed can be emptied and typed anew", async ({ page }) => {
  await openDemoDesigner(page);
  await expect(page.getByTestId("field-n")).toHaveValue("432");
  // As a user edits: select what is there, erase it, type the new number. An emptied N became 1 at once, so 20 gave 120.
  for (const [id, typed] of [["field-n", "20"], ["field-eval", "6"], ["field-seed", "7"]] as const) {
    const field = page.getByTestId(id);
    await field.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await expect(field).toHaveValue("");
    await page.keyboard.type(typed);
    await expect(field).toHaveValue(typed);
  }
  await expect(page.getByTestId("resample-summary")).toContainText("of N = 20");
  await expect(page.getByTestId("run-rows")).toContainText("434 of the 440 rows (6 held out for evaluation)");
  // An emptied field left as it is shows the design's value again.
  await page.getByTestId("field-n").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Backspace");
  await page.getByTestId("field-seed").click();
  await expect(page.getByTestId("field-n")).toHaveValue("20");
  await expect(page).toHaveURL(/%22seed%22%3A7/);
});

test("the designer opened while its dataset imports waits for every row, then designs on all of them", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("load-demo").click();
  await page.waitForURL(/\/datasets\/[^/?]+$/);
  // Straight to the designer, as a shared link would, without waiting for the import: it read the rows in so far
  // and took its defaults from them (N showed 1 and stayed there).
  await page.goto(`${new URL(page.url()).pathname}/curriculum`);
  await expect(page.getByTestId("field-n")).toHaveValue("432");
  await expect(page.getByTestId("designer-waits")).toHaveCount(0);
});

test("a run's chosen smoothing survives a reload and travels in its link", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("load-demo").click();
  await page.waitForURL(/\/datasets\/[^/?]+$/);
  const datasetId = page.url().split("/datasets/")[1]!;
  await page.goto(`/runs/new?dataset=${datasetId}`);
  await fillTinyRun(page, "smoothing kept", 8);
  await page.getByTestId("launch").click();
  await page.waitForURL(/\/runs\/(?!new)[^/?]+$/);
  const slider = page.getByTestId("smoothing");
  await expect(slider).toHaveValue("0.6");
  await slider.fill("0.2");
  await expect(page).toHaveURL(/[?&]smoothing=0\.2(&|$)/);
  await page.reload();
  await expect(page.getByTestId("smoothing")).toHaveValue("0.2");
  await expect(page.getByTestId("smoothing").locator("xpath=following-sibling::span")).toHaveText("0.20");
});

test("a saved curriculum's batching survives a reload, with the plan it counts", async ({ page }) => {
  await openDemoDesigner(page);
  await page.getByTestId("field-mode").selectOption("plain");
  await page.getByTestId("curriculum-name").fill("batching kept");
  await page.getByTestId("save-curriculum").click();
  await page.getByTestId("saved-message").getByRole("link").click();
  await expect(page.getByTestId("plan-summary")).toContainText(" 105 optimizer steps");
  await page.getByTestId("launch-batch").fill("8");
  await page.getByTestId("launch-accum").fill("2");
  await expect(page.getByTestId("plan-summary")).toContainText(" 27 optimizer steps");
  await page.reload();
  await expect(page.getByTestId("launch-batch")).toHaveValue("8");
  await expect(page.getByTestId("launch-accum")).toHaveValue("2");
  await expect(page.getByTestId("plan-summary")).toContainText(" 27 optimizer steps");
});
