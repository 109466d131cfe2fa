import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

const sharedDatasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");
const alpacaDemo = join(sharedDatasets, "alpaca_en_demo.json");

async function importDataset(page: Page): Promise<string> {
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(alpacaDemo);
  const mapper = page.getByTestId("column-mapper");
  await expect(mapper).toBeVisible();
  await mapper.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  return page.url().split("/datasets/")[1]!.split(/[?#]/)[0]!;
}

async function setNumber(page: Page, field: string, value: number) {
  await page.getByTestId(`field-${field}`).fill(String(value));
}

/** A small CPU run: embedded teacher, a 2-layer pruned student, short sequences, a few dozen steps. */
async function fillSmallRun(page: Page, name: string) {
  await page.getByTestId("field-name").fill(name);
  await expect(page.getByTestId("student-source")).toHaveValue("pruned");
  await page.getByTestId("student-layers").fill("2");
  await setNumber(page, "trainSamples", 32);
  await setNumber(page, "evalSize", 8);
  await setNumber(page, "evalEvery", 8);
  await setNumber(page, "evalPrompts", 4);
  await setNumber(page, "evalMaxNewTokens", 16);
  await setNumber(page, "batchSize", 2);
  await setNumber(page, "maxLength", 64);
  await setNumber(page, "checkpointEvery", 8);
  await page.getByTestId("field-device").selectOption("cpu");
}

/** formatEta's text back in seconds ("34 s", "2 min 5 s"). */
function seconds(text: string | null): number {
  const [, min, s] = /(?:(\d+) min )?(\d+) s/.exec(text ?? "") ?? [];
  if (s === undefined) throw new Error(`"${text}" is not a duration`);
  return Number(min ?? 0) * 60 + Number(s);
}

const points = async (page: Page) => Number(await page.getByTestId("loss-chart").getAttribute("data-points"));

async function launch(page: Page): Promise<string> {
  await page.getByTestId("launch").click();
  await page.waitForURL(/\/runs\/(?!new)[^/?]+$/);
  return page.url().split("/runs/")[1]!;
}

test("a new user distils a model, watches it live, cancels a run, resumes it and compares runs", async ({ page }) => {
  test.setTimeout(1_500_000);
  const datasetId = await importDataset(page);

  // Launch form, reached from the dataset; the job.json preview follows the form.
  await page.getByTestId("distil").click();
  await page.waitForURL(/\/runs\/new\?/);
  await expect(page.getByTestId("field-dataset")).toHaveValue(datasetId);
  await fillSmallRun(page, "fkl small");
  await expect(page.getByTestId("job-preview")).toContainText('"num_layers": 2');
  // The form survives a reload (state in the URL).
  await page.reload();
  await expect(page.getByTestId("field-name")).toHaveValue("fkl small");
  await expect(page.getByTestId("student-layers")).toHaveValue("2");

  // A model path outside the allowed roots is refused, naming the path and the roots.
  await page.getByTestId("teacher-source").selectOption("gguf");
  await page.getByTestId("teacher-path").fill("/etc/passwd");
  await page.getByTestId("launch").click();
  await expect(page.getByTestId("launch-error")).toContainText("/etc/passwd");
  await expect(page.getByTestId("launch-error")).toContainText("allowed roots");
  await page.getByTestId("teacher-source").selectOption("embedded");

  const first = await launch(page);
  await expect(page.getByTestId("run-status")).toHaveText(/queued|running/);

  // Points arrive on the chart while it runs; a reload brings the whole curve back, and it keeps growing.
  await expect.poll(() => points(page), { timeout: 480_000 }).toBeGreaterThan(3);
  const beforeReload = await points(page);
  await page.reload();
  await expect.poll(() => points(page)).toBeGreaterThanOrEqual(beforeReload);
  const afterReload = await points(page);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 300_000 });
  expect(await points(page)).toBeGreaterThan(afterReload);
  await expect(page.getByTestId("eval-table")).toBeVisible();
  await expect(page.getByTestId("run-disk")).toContainText(/Disk: [\d.]+ (KB|MB|GB)/);
  await page.screenshot({ path: "/tmp/run-page.png", fullPage: true });

  // The student in hand: where it is, its folder as one tar, and a chat with it streamed as it is generated.
  await expect(page.getByTestId("student-path")).toContainText(`/runs/${first}/model`);
  const firstStudent = (await page.getByTestId("student-path").textContent())!;
  const archive = await page.request.get((await page.getByTestId("student-download").getAttribute("href"))!);
  expect(archive.headers()["content-type"]).toBe("application/x-tar");
  const listed = execFileSync("tar", ["-tf", "-"], { input: await archive.body() }).toString();
  expect(listed).toContain(`${first}-student/config.json`);
  expect(listed).toContain(`${first}-student/model.safetensors`);
  await page.getByTestId("try-prompt").fill("What is the capital of France?");
  await page.getByTestId("try-send").click();
  const answer = page.getByTestId("try-assistant");
  await expect(answer).not.toHaveText(/Student:\s*…?$/, { timeout: 180_000 });
  await expect(page.getByTestId("try-send")).toHaveText("Send", { timeout: 180_000 });
  // The same prompt to the student and the teacher, side by side.
  await page.getByTestId("try-mode-side").click();
  await page.getByTestId("try-prompt").fill("Name a colour.");
  await page.getByTestId("try-send").click();
  await expect(page.getByTestId("try-send")).toHaveText("Send", { timeout: 240_000 });
  await expect(page.getByTestId("try-student")).not.toBeEmpty();
  await expect(page.getByTestId("try-teacher")).not.toBeEmpty();

  // Clone into a second run with another loss, which starts from the first run's trained student, picked among the
  // finished runs' students; it finishes too.
  await page.getByTestId("clone").click();
  await expect(page.getByTestId("field-name")).toHaveValue("fkl small");
  await page.getByTestId("field-name").fill("jsd small");
  await page.getByTestId("field-loss").selectOption("jsd");
  await page.getByTestId("student-source").selectOption("dir");
  await page.getByTestId("student-from-run").selectOption(firstStudent);
  await expect(page.getByTestId("student-path")).toHaveValue(firstStudent);
  await expect(page.getByTestId("job-preview")).toContainText(`"path": "${firstStudent}"`);
  const second = await launch(page);
  await expect(page.getByTestId("run-student")).toHaveText(firstStudent);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 300_000 });
  await expect(page.getByTestId("run-progress")).toContainText(/(\d+) \/ \1 steps/);
  const allPoints = await points(page);

  // A third run, the same but for its name, is cancelled (after confirming) once it has trained a step...
  await page.getByTestId("clone").click();
  await page.getByTestId("field-name").fill("to cancel");
  const third = await launch(page);
  await expect.poll(() => points(page), { timeout: 480_000 }).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("cancelled", { timeout: 150_000 });
  expect(await points(page)).toBeLessThan(allPoints);
  const [, total] = /\d+ \/ (\d+) steps/.exec((await page.getByTestId("run-progress").textContent()) ?? "")!;
  const firstAttemptS = seconds(await page.getByTestId("run-duration").textContent());

  // ...then resumed from its page, which follows the resumed attempt live to its last step, with no reload: one
  // chart point per step (the resumed attempt's after the checkpoint), its log, and both attempts' time.
  await page.getByTestId("resume").click();
  await expect(page.getByTestId("run-status")).toHaveText(/queued|running/);
  await expect(page.getByTestId("log-tail")).toContainText("resumed from", { timeout: 240_000 });
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 300_000 });
  await expect(page.getByTestId("run-progress")).toContainText(`${total} / ${total} steps`);
  await expect.poll(() => points(page)).toBe(allPoints);
  const duration = (await page.getByTestId("run-duration").textContent())!;
  // Loading both models alone takes the resumed attempt more than 5 s.
  expect(seconds(duration)).toBeGreaterThan(firstAttemptS + 5);

  // The list: rename a run, filter by loss (in the URL), then compare the two finished runs.
  await page.goto("/runs");
  await expect(page.getByTestId(`run-row-${first}`)).toContainText("succeeded");
  await page.getByTestId(`run-row-${second}`).getByTestId("rename").click();
  await page.getByTestId(`run-row-${second}`).getByTestId("rename-input").fill("jsd renamed");
  await page.getByTestId(`run-row-${second}`).getByTestId("rename-save").click();
  await expect(page.getByTestId(`run-row-${second}`)).toContainText("jsd renamed");
  await page.getByTestId("filter-loss").selectOption("jsd");
  await expect(page).toHaveURL(/[?&]loss=jsd/);
  await expect(page.getByTestId(`run-row-${first}`)).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId(`run-row-${second}`)).toBeVisible();
  await expect(page.getByTestId(`run-row-${first}`)).toHaveCount(0);
  await page.getByTestId("filter-loss").selectOption("");
  await page.getByTestId("filter-status").selectOption("succeeded");
  // All three: the cancelled run succeeded after its resume. Other specs share the data folder, so their runs may
  // be listed too: every listed row is a succeeded one.
  for (const id of [first, second, third]) await expect(page.getByTestId(`run-row-${id}`)).toBeVisible();
  await expect(page.getByTestId("runs-table").locator("tbody tr").filter({ hasNotText: "succeeded" })).toHaveCount(0);
  await page.getByTestId("filter-status").selectOption("");
  await page.getByTestId(`run-row-${first}`).getByRole("checkbox").check();
  await page.getByTestId(`run-row-${second}`).getByRole("checkbox").check();
  await page.getByTestId("compare").click();
  await expect(page).toHaveURL(new RegExp(`/runs/compare\\?ids=${first},${second}$`));
  const lossRow = page.getByTestId("diff-loss.name");
  await expect(lossRow).toContainText("fkl");
  await expect(lossRow).toContainText("jsd");
  await expect(page.getByTestId("compare-chart")).not.toHaveAttribute("data-points", "0");
  await expect(page.getByTestId("final-metrics")).toContainText("jsd renamed");
  // The resumed run's wall time there is the same sum of its attempts.
  await page.goto(`/runs/compare?ids=${first},${third}`);
  await expect(page.getByTestId("final-metrics").locator("tr", { hasText: "to cancel" })).toContainText(duration);
  await page.goto(`/runs/compare?ids=${first},${second}`);
  await page.getByTestId("x-axis").selectOption("tokens_seen");
  await page.getByTestId("curve-eval_loss").check();
  await page.getByTestId("curve-kd_loss").check();
  await expect(page).toHaveURL(/x=tokens_seen/);
  await expect(page).toHaveURL(/curves=loss%2Ceval_loss%2Ckd_loss|curves=loss,eval_loss,kd_loss/);
  const overlaid = Number(await page.getByTestId("compare-chart").getAttribute("data-points"));
  await page.reload();
  await expect(page.getByTestId("x-axis")).toHaveValue("tokens_seen");
  await expect(page.getByTestId("curve-eval_loss")).toBeChecked();
  await expect(page.getByTestId("compare-chart")).toHaveAttribute("data-points", String(overlaid));
  await page.screenshot({ path: "/tmp/compare-page.png", fullPage: true });

  // Delete the cancelled-then-resumed run, after confirming; its row goes.
  await page.goto("/runs");
  const cancelledRow = page.getByTestId(`run-row-${third}`);
  await cancelledRow.getByRole("button", { name: "Delete" }).click();
  await cancelledRow.getByRole("dialog").getByRole("button", { name: "Delete run" }).click();
  await expect(cancelledRow).toHaveCount(0);
  await expect(page.getByTestId(`run-row-${first}`)).toBeVisible();
});
