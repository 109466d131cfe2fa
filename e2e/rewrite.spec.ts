import { expect, test } from "@playwright/test";
import { uploadAlpaca } from "./upload-alpaca";

/** Issue 12 (TAPIR §5), as a user: edit a rewrite style on the Templates page, then rewrite a dataset's answers with it. */

test("the user edits Math's rewrite template and sees version 2, its history, and a bad placeholder named", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation").getByRole("link", { name: "Templates" }).click();
  await expect(page).toHaveURL(/\/templates/);
  const math = page.getByTestId("template-row-Math");
  await expect(math).toContainText("rewrite-step-by-step v1");
  await expect(page.getByTestId("template-row-Writing")).toContainText("the default");

  await math.getByRole("button", { name: "Edit" }).click();
  const editor = page.getByTestId("template-editor");
  await expect(editor.getByTestId("template-text")).toHaveValue(/step-by-step reasoning/);
  await editor.getByTestId("template-text").fill("Solve this step by step, then give the final answer.\n\n{instruction}\n\nA first answer: {answr}");
  await editor.getByTestId("template-save").click();
  await expect(editor.getByRole("alert")).toContainText("uses {answr}, which the rewrite job does not fill");
  await expect(math).toContainText("v1");

  await editor.getByTestId("template-text").fill("Solve this step by step, then give the final answer.\n\n{instruction}\n\nA first answer: {answer}");
  await editor.getByTestId("template-save").click();
  await expect(math.getByTestId("template-version")).toHaveText("v2");
  await expect(editor.getByTestId("template-history").getByRole("listitem")).toHaveCount(2);
  await expect(editor.getByTestId("template-current")).toContainText("version 2");
  // Version 1 stays readable.
  await editor.getByTestId("template-history").getByRole("button", { name: "rewrite-step-by-step v1" }).click();
  await expect(editor.getByTestId("template-old-version")).toContainText("Final answer:");

  // Still there after a reload; reset makes version 3 with the built-in text.
  await page.reload();
  await expect(page.getByTestId("template-row-Math").getByTestId("template-version")).toHaveText("v2");
  await page.getByTestId("template-editor").getByTestId("template-reset").click();
  await expect(page.getByTestId("template-row-Math").getByTestId("template-version")).toHaveText("v3");
  await expect(page.getByTestId("template-editor").getByTestId("template-text")).toHaveValue(/Final answer:/);

  // Unsaved edits are not dropped without a word: opening another row asks first, and "keep" keeps them.
  const text = page.getByTestId("template-editor").getByTestId("template-text");
  await text.fill("Half written: {instruction} {answer}");
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.getByTestId("template-edit-Writing").click();
  await expect(text).toHaveValue("Half written: {instruction} {answer}");
  expect(asked).toEqual(["Opening Writing discards your unsaved edits to this template. Go on?"]);
  await expect(page).toHaveURL(/type=Math/);
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("template-edit-Writing").click();
  await expect(page).toHaveURL(/type=Writing/);
  await expect(page.getByTestId("template-editor").getByRole("heading", { level: 2 })).toHaveText("Rewrite: Writing");
});

test("the user rewrites a dataset's answers with the embedded teacher and sees each original beside its rewrite", async ({ page }) => {
  test.setTimeout(600_000); // the embedded server's start and three rewrites on a shared machine
  const { records, path: parentUrl } = await uploadAlpaca(page, 3, "three_answers.json");

  await expect(page.getByTestId("rewrite-endpoint")).toHaveValue("embedded");
  await page.getByTestId("rewrite-max-tokens").fill("48");
  await page.getByTestId("rewrite-temperature").fill("0");
  await page.getByTestId("rewrite-start").click();
  const job = page.getByTestId("rewrite-job");
  await expect(job).toHaveAttribute("data-status", "succeeded", { timeout: 420_000 });

  await page.getByTestId("rewritten-dataset").click();
  await page.waitForURL((url) => url.pathname !== parentUrl && url.pathname.startsWith("/datasets/"));
  await expect(page.getByTestId("answered-from")).toContainText("Rewritten by a teacher from three_answers");
  const rows = Number(await page.getByTestId("row-count").textContent());
  expect(rows + Number(await page.getByTestId("rejected-count").textContent())).toBe(3);
  test.skip(rows === 0, "the small teacher's three rewrites were all set aside (cut off at 48 tokens)");

  await page.getByTestId("origin-filter").selectOption("rewritten");
  await expect(page.getByTestId("search-count")).toHaveText(`${rows} rewritten rows`);
  await page.getByTestId("row-item").first().click();
  await expect(page.getByTestId("row-origin")).toContainText(/^Rewritten \(no task type\): smollm2-135m-instruct at http:\/\/127\.0\.0\.1:\d+\/v1, template rewrite-clear v1/);
  const pair = page.getByTestId("rewrite-pair");
  const shown = await pair.getByTestId("original-answer").textContent();
  expect(records.map((r) => r.output)).toContain(shown);
  await expect(pair.getByTestId("rewritten-answer")).not.toBeEmpty();

  // The parent's rows are all original: the filter offers no rewritten ones there.
  await page.goto(`${parentUrl}?origin=rewritten`);
  await expect(page.getByTestId("search-count")).toHaveText("0 rewritten rows");
});
