import { expect, test } from "@playwright/test";
import { uploadAlpaca } from "./upload-alpaca";

/**
 * Issue 12, as a new user: the embedded teacher answers 20 prompts of an uploaded dataset, or the rows of a
 * search, into a new dataset; a job is cancelled and resumed.
 */

/**
 * A temperature finer than a step of 0.1 (0.75) is sent as typed: the browser's own check of a number input (a
 * `step` it does not fit) once blocked the submit without a word. Max tokens above the contract's limit makes the
 * server refuse, so no job starts; its sentence, naming max tokens alone, proves the request reached it and that
 * 0.75 passed.
 */
test("the teacher form sends a temperature of 0.75 and shows the server's answer", async ({ page }) => {
  await uploadAlpaca(page, 3, "fine_temperature.json");
  await page.getByTestId("answer-temperature").fill("0.75");
  await page.getByTestId("answer-max-tokens").fill("40000");
  await page.getByTestId("answer-start").click();
  await expect(page.getByRole("region", { name: "Answer with a teacher" }).getByRole("alert")).toHaveText("max tokens is at most 32,768");
  await expect(page.getByTestId("answer-job")).toHaveCount(0);
});

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

test("a new user answers the rows of a search, sees each row's origin, then cancels a job and resumes it", async ({ page }) => {
  const { path: parentUrl } = await uploadAlpaca(page, 20, "searched_prompts.json");

  // The row browser's search is the filter: the panel offers its rows and says how many before launch.
  await page.getByRole("searchbox", { name: "Search rows" }).fill("sentence");
  await expect(page.getByTestId("search-count")).toHaveText(/^(\d+) rows? match “sentence”$/);
  const matches = Number((await page.getByTestId("search-count").textContent())!.match(/^\d+/)![0]);
  expect(matches).toBeGreaterThan(0);
  expect(matches).toBeLessThan(20);
  await expect(page.getByTestId("answer-count")).toHaveText("20 rows will be answered (duplicates aside).");
  await page.getByTestId("answer-subset").selectOption({ label: "The rows matching “sentence” (the search above)" });
  await expect(page.getByTestId("answer-count")).toHaveText(`${matches} ${matches === 1 ? "row" : "rows"} will be answered (duplicates aside).`);
  await page.getByTestId("answer-max-tokens").fill("24");
  await page.getByTestId("answer-temperature").fill("0");
  await page.getByTestId("answer-start").click();
  const job = page.getByTestId("answer-job");
  await expect(job).toContainText(`(${matches} ${matches === 1 ? "row" : "rows"} matching “sentence”)`);
  await expect(job).toHaveAttribute("data-status", "succeeded", { timeout: 240_000 });

  await page.getByTestId("answered-dataset").click();
  await page.waitForURL((url) => url.pathname !== parentUrl && url.pathname.startsWith("/datasets/"));
  const rows = Number(await page.getByTestId("row-count").textContent());
  expect(rows + Number(await page.getByTestId("rejected-count").textContent())).toBe(matches);
  const childUrl = new URL(page.url()).pathname;
  for (let idx = 0; idx < rows; idx++) {
    await page.goto(`${childUrl}?row=${idx}`);
    await expect(page.getByTestId("row-origin")).toContainText(/Teacher answer: smollm2-135m-instruct at http:\/\/127\.0\.0\.1:\d+\/v1/);
  }

  // Every row this time, cancelled once answers come in, then resumed: it finishes with each row once.
  await page.goto(parentUrl);
  await expect(page.getByTestId("answer-subset")).toHaveValue("all");
  await page.getByTestId("answer-max-tokens").fill("16");
  await page.getByTestId("answer-temperature").fill("0");
  await page.getByTestId("answer-start").click();
  await expect(job).toContainText("(20 rows)");
  await expect(job.getByRole("progressbar")).toHaveAttribute("aria-label", /^[1-9]\d* of 20 requests/, { timeout: 120_000 });
  await page.getByTestId("answer-cancel").click();
  await expect(job).toHaveAttribute("data-status", "cancelled", { timeout: 60_000 });
  await page.getByTestId("answer-resume").click();
  await expect(job).toHaveAttribute("data-status", /queued|running/);
  await expect(job).toHaveAttribute("data-status", "succeeded", { timeout: 240_000 });
  await page.getByTestId("answered-dataset").click();
  await page.waitForURL((url) => url.pathname !== parentUrl && url.pathname !== childUrl && url.pathname.startsWith("/datasets/"));
  const all = Number(await page.getByTestId("row-count").textContent());
  expect(all + Number(await page.getByTestId("rejected-count").textContent())).toBe(20);
  await page.goto(`${new URL(page.url()).pathname}?row=0`);
  await expect(page.getByTestId("row-origin")).toContainText("Teacher answer: smollm2-135m-instruct");
});
