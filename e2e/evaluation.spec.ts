import { expect, test, type Page } from "@playwright/test";
import { join, resolve } from "node:path";
import { fillTinyRun } from "./tiny-run";

const sharedDatasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");

async function importDataset(page: Page): Promise<void> {
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(join(sharedDatasets, "alpaca_en_demo.json"));
  const mapper = page.getByTestId("column-mapper");
  await expect(mapper).toBeVisible();
  await mapper.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
}

/** A tiny CPU run (embedded teacher, 2-layer pruned student, 4 steps, a checkpoint every 2), launched from the dataset's page. */
async function launchSmallRun(page: Page, name: string, options: { evaluateWhenDone?: boolean } = {}): Promise<string> {
  await page.getByTestId("distil").click();
  await page.waitForURL(/\/runs\/new\?/);
  await fillTinyRun(page, name, 16, { checkpointEvery: 2 });
  if (options.evaluateWhenDone) {
    await page.getByTestId("field-evaluate").check();
    await chooseSuites(page);
  }
  await page.getByTestId("launch").click();
  await page.waitForURL(/\/runs\/(?!new)[^/?]+$/);
  return page.url().split("/runs/")[1]!;
}

/** 10 SelfInst prompts (one greedy pass, short answers: the machine is a CPU) and 10 IFEval prompts. */
async function chooseSuites(page: Page) {
  const picker = page.getByTestId("suite-picker");
  await expect(picker.getByTestId("suite-selfinst")).toBeChecked();
  await expect(picker.getByTestId("suite-ifeval")).toBeChecked();
  await picker.getByTestId("suite-limit-selfinst").fill("10");
  await picker.getByTestId("suite-limit-ifeval").fill("10");
  await picker.getByTestId("eval-greedy").check();
  await picker.getByTestId("eval-max-new-tokens").fill("24");
}

async function evaluate(page: Page, target: string) {
  await page.getByTestId("evaluate-target").selectOption({ label: target });
  await chooseSuites(page);
  await page.getByTestId("evaluate-start").click();
}

test("a new user evaluates a finished run on SelfInst and IFEval, reads its Evaluation tab and compares it with its baselines", async ({ page }) => {
  test.setTimeout(1_800_000);
  await importDataset(page);
  const datasetUrl = page.url();
  const first = await launchSmallRun(page, "evaluated by hand");
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 400_000 });

  // The Evaluation tab: nothing yet; evaluate the student, the teacher and the initial student.
  await page.getByTestId("tab-evaluation").click();
  await expect(page).toHaveURL(/[?&]tab=evaluation/);
  const tab = page.getByTestId("evaluation-tab");
  await expect(tab).toContainText("No evaluation yet.");
  // A judged suite needs a judge: the form says so before anything starts.
  await page.getByTestId("suite-mt_bench").check();
  await expect(page.getByTestId("evaluate-start")).toBeDisabled();
  await expect(tab).toContainText("MT-Bench is graded by a judge: choose a judge endpoint");
  await page.getByTestId("suite-mt_bench").uncheck();
  // Vicuna-bench has no reference answers here: the form says so as soon as it is chosen.
  await page.getByTestId("suite-vicuna").check();
  await expect(page.getByTestId("suite-note-vicuna")).toContainText("Every Vicuna-bench question is judged without a reference answer");
  await page.getByTestId("suite-vicuna").uncheck();
  // The run's checkpoints (16 rows in batches of 4, one every 2 steps) can be evaluated too.
  await expect(page.getByTestId("evaluate-target").locator("option")).toContainText(["the trained student", "the checkpoint at step 2", "the checkpoint at step 4"]);

  await evaluate(page, "the trained student");
  // Live progress while it runs.
  const studentJob = tab.getByTestId("evaluation-job").filter({ hasText: "student of evaluated by hand" });
  await expect(studentJob).toHaveAttribute("data-status", /queued|running/);
  await expect(studentJob.getByRole("progressbar")).toBeVisible();
  await expect(studentJob).toHaveAttribute("data-status", "succeeded", { timeout: 600_000 });
  await evaluate(page, "the teacher");
  await evaluate(page, "the initial student (before training)");
  for (const role of ["teacher", "initial"]) {
    await expect(tab.locator(`[data-testid=evaluation-job][data-role=${role}]`)).toHaveAttribute("data-status", "succeeded", { timeout: 600_000 });
  }

  // Each suite's score with its spread, the student beside its baselines.
  for (const suite of ["selfinst", "ifeval"]) {
    const table = page.getByTestId(`suite-table-${suite}`);
    await expect(table.getByTestId("suite-row")).toHaveCount(3);
    await expect(table).toContainText("student of evaluated by hand");
    await expect(table).toContainText("teacher: SmolLM2-135M (embedded)");
    await expect(table).toContainText("initial student: teacher pruned to 2 layers");
  }
  await expect(page.getByTestId("suite-table-selfinst").getByTestId("suite-row").first().locator("[data-metric=rouge_l]")).toHaveText(/^\d+\.\d\d$/);
  await expect(page.getByTestId("suite-table-ifeval").getByTestId("suite-row").first().locator("[data-metric=prompt_strict]")).toHaveText(/^\d+\.\d\d/);

  // The answers side by side: the student's, the teacher's and the reference; IFEval filtered by verdict.
  const answers = page.getByTestId("answers-browser");
  await expect(answers.getByTestId("answers-count")).toHaveText("10 answers");
  await page.getByTestId("answers-compare").selectOption({ label: "teacher: SmolLM2-135M (embedded)" });
  await expect(page.getByTestId("answers-table").locator("th")).toContainText(["Prompt", "student of evaluated by hand", "teacher: SmolLM2-135M (embedded)", "Reference"]);
  await expect(answers.getByTestId("answer-row").first()).not.toContainText("not evaluated on this item");
  await page.getByTestId("answers-suite").selectOption("ifeval");
  await expect(answers.getByTestId("answers-count")).toHaveText("10 answers");
  // The count is read once the filtered page has come (the previous one stays on screen meanwhile).
  const countAfter = async (verdict: string) => {
    await page.getByTestId("answers-passed").selectOption(verdict);
    await expect(answers.getByTestId("answers-count")).toHaveAttribute("data-fresh", "true");
    return Number((await answers.getByTestId("answers-count").textContent())!.split(" ")[0]);
  };
  const failed = await countAfter("no");
  const passed = await countAfter("yes");
  expect(failed + passed).toBe(10);

  // A second run evaluates itself when it ends (the launch option).
  await page.goto(datasetUrl);
  const second = await launchSmallRun(page, "evaluated when done", { evaluateWhenDone: true });
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 400_000 });
  await page.getByTestId("tab-evaluation").click();
  await expect(page.getByTestId("evaluation-job").filter({ hasText: "student of evaluated when done" })).toHaveAttribute("data-status", "succeeded", { timeout: 600_000 });

  // The compare view: both students, the shared teacher and initial student once each as baselines.
  await page.goto(`/runs/compare?ids=${first},${second}`);
  const compared = page.getByTestId("compare-evaluation");
  const selfinst = compared.getByTestId("suite-table-selfinst");
  await expect(selfinst.getByTestId("suite-row")).toHaveCount(4);
  for (const name of ["evaluated by hand", "evaluated when done", "teacher: SmolLM2-135M (embedded)", "initial student: teacher pruned to 2 layers"]) {
    await expect(selfinst.locator(`[data-testid=suite-row][data-model="${name}"]`)).toHaveCount(1);
  }
  await page.screenshot({ path: "/tmp/compare-evaluation.png", fullPage: true });
});

test("a running run's Evaluation tab lists each checkpoint as the run keeps it, without a reload", async ({ page }) => {
  test.setTimeout(900_000);
  await importDataset(page);
  await launchSmallRun(page, "checkpoints live");
  // Opened while the run loads its models: no checkpoint yet.
  await page.getByTestId("tab-evaluation").click();
  const options = page.getByTestId("evaluate-target").locator("option");
  await expect(options).toContainText(["the teacher", "the initial student (before training)"]);
  await expect(options.filter({ hasText: "checkpoint" })).toHaveCount(0);
  // The checkpoints at steps 2 and 4 (16 rows in batches of 4) come in as the run saves them.
  await expect(options).toContainText(["the trained student", "the checkpoint at step 2", "the checkpoint at step 4"], { timeout: 600_000 });
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
});
