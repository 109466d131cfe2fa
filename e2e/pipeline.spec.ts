import { expect, test, type Page } from "@playwright/test";
import { uploadAlpaca } from "./upload-alpaca";

/** Tags the dataset's rows with the embedded MiniLM tagger from its curriculum page: a pipeline's seed pool needs task types. */
async function tag(page: Page, datasetPath: string) {
  await page.goto(`${datasetPath}/curriculum`);
  await page.getByTestId("start-tag").click();
  await expect(page.getByTestId("tag-result")).toHaveCount(1, { timeout: 1_200_000 });
}

async function fill(page: Page, values: Record<string, number>) {
  for (const [field, value] of Object.entries(values)) await page.getByTestId(`pf-${field}`).fill(String(value));
}

test("the pipeline form says what the paper leaves open and checks its fields as typed; an unknown pipeline or job is a 404", async ({ page }) => {
  for (const path of ["/pipelines/no-such-pipeline", "/jobs/no-such-job"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
  }
  await page.goto("/");
  await page.locator("header nav").getByRole("link", { name: "Pipelines" }).click();
  await expect(page.getByTestId("no-pipelines")).toBeVisible();
  await page.getByTestId("new-pipeline").click();
  await page.waitForURL(/\/pipelines\/new/);
  for (const setting of ["rounds", "delta", "alpha1", "alphaGrowth", "firstRoundSet"]) await expect(page.getByTestId(`unconfirmed-${setting}`)).toContainText("Unconfirmed");
  // Nothing to start without a seed pool.
  await expect(page.getByTestId("pf-create")).toBeDisabled();
  await fill(page, { rounds: 0 });
  await expect(page.getByTestId("pipeline-form")).toContainText("a pipeline has at least 1 round");
  // The embedded judge is too small for MT-Bench's explained judgment: it answers with its rating alone.
  await expect(page.getByTestId("pf-judge-format")).toHaveValue("rating");
  // An endpoint teacher gives no logits: the form turns the KD weight to 0 on its own.
  await page.getByTestId("pf-teacher-kind").selectOption("endpoint");
  await expect(page.getByTestId("pf-training-kdWeight")).toHaveValue("0");
});

/**
 * A ratio as fine as the seed pool's own mix gives (1 row of 12: 0.08333…) is sent as typed: the browser's own check
 * of a number input (a `step` it does not fit) once blocked the submit without a word, and the pipeline was never
 * created. The seed pool here is untagged, so the server's refusal, shown on the form, proves the create reached it.
 */
test("the pipeline form sends any ratio the contract accepts and shows the server's answer", async ({ page }) => {
  const { path } = await uploadAlpaca(page, 3, "untagged-seed.json");
  await page.goto(path);
  await page.getByTestId("open-pipeline").click();
  await page.waitForURL(/\/pipelines\/new\?dataset=/);
  await page.getByTestId("pf-ratios").locator("summary").click();
  await page.getByTestId("pf-ratio-Math").fill(String(1 / 12));
  await expect(page.getByTestId("pf-ratios").locator("summary")).toContainText("edited");
  await page.getByTestId("pf-create").click();
  await expect(page.getByTestId("pf-error")).toContainText("has no task types yet");
});

/**
 * A new user: imports 12 alpaca prompts and tags them, creates a 2-round pipeline with the embedded teacher and
 * judge and a 2-layer student, watches it run round by round, and opens round 2: its task mix against the target
 * and the MFD histogram of what the student still fails at; the open round survives a reload. The smallest honest
 * sizes: a budget of 8 rows (2 training steps of 4), 8-token answers, 2 items of each evaluation suite, and the
 * judge's rating alone (the form's choice for the embedded judge), so that every judgment gives a rating.
 */
test("a new user creates a 2-round pipeline, watches it progress and opens round 2's mix and MFD histogram", async ({ page }) => {
  // Out of `npm test` for its length: 13.4 minutes on a 2-core machine at load ~5, with its settings cut down (12
  // prompts, budget 8, the judge's rating alone, which gives every prompt an MFD). Run it with DISTILL_PIPELINE_REAL=1.
  test.skip(!process.env.DISTILL_PIPELINE_REAL, "a real 2-round pipeline: set DISTILL_PIPELINE_REAL=1");
  test.setTimeout(1_800_000);
  const { path } = await uploadAlpaca(page, 12, "tapir-seed.json");
  await tag(page, path);

  await page.goto(path);
  await page.getByTestId("open-pipeline").click();
  await page.waitForURL(/\/pipelines\/new\?dataset=/);
  await expect(page.getByTestId("pf-seed-dataset")).not.toHaveValue("");
  await page.getByTestId("pf-name").fill("two rounds");
  await page.getByTestId("student-layers").fill("2");
  await expect(page.getByTestId("pf-seed-types")).toContainText("12 rows");
  await fill(page, { rounds: 2, budget: 8 });
  // The seed pool's own mix as the target: the seed rows fill every type, so no round waits on expansions.
  await page.getByTestId("pf-ratios").locator("summary").click();
  await page.getByTestId("pf-preset-dataset").click();
  await expect(page.getByTestId("pf-ratios").locator("summary")).toContainText("edited");
  await page.getByTestId("pf-rewrite").uncheck();
  // Small enough for a CPU: short sequences, short answers, a few evaluation items.
  await fill(page, {
    "training-batchSize": 4,
    "training-maxLength": 128,
    "training-evalSize": 0,
    "training-evalEvery": 0,
    "training-checkpointEvery": 0,
    "scoring-maxNewTokens": 8,
  });
  await expect(page.getByTestId("pf-judge-format")).toHaveValue("rating");
  await page.getByTestId("pf-training-device").selectOption("cpu");
  const picker = page.getByTestId("suite-picker");
  await picker.getByTestId("suite-limit-selfinst").fill("2");
  await picker.getByTestId("suite-limit-ifeval").fill("2");
  await picker.getByTestId("eval-greedy").check();
  await picker.getByTestId("eval-max-new-tokens").fill("8");
  await expect(page.getByTestId("pf-create")).toBeEnabled();
  await page.getByTestId("pf-create").click();
  await page.waitForURL(/\/pipelines\/(?!new)[^/?]+$/);
  const pipelineUrl = page.url();

  // Watch it: a running step's progress, then the rounds finishing one after the other.
  await expect(page.getByTestId("pipeline-status")).toHaveText("running");
  await expect(page.getByTestId("timeline-round-1")).toBeVisible();
  await expect(page.getByTestId("timeline-round-2")).toBeVisible();
  await expect(page.getByTestId("running-step").first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId("timeline-round-1")).toHaveAttribute("data-status", "succeeded", { timeout: 1_500_000 });
  await expect(page.getByTestId("pipeline-progress")).toContainText("round 2 of 2", { timeout: 120_000 });
  await expect(page.getByTestId("pipeline-status")).toHaveText("succeeded", { timeout: 1_500_000 });

  // Round 2: its set against the target ratios, the share of hard rows it aimed for, and its MFD histogram.
  await page.getByTestId("open-round-2").click();
  await expect(page).toHaveURL(/[?&]round=2/);
  const round = page.getByTestId("round-panel");
  await expect(round).toHaveAttribute("data-round", "2");
  expect(await round.getByTestId("mix-row").count()).toBeGreaterThan(0);
  await expect(round.getByTestId("round-hard-share")).toContainText("aiming for α = 50.0%");
  const mfd = round.getByTestId("round-mfd");
  await expect(mfd).toBeVisible();
  expect(Number(await mfd.getAttribute("data-judged"))).toBeGreaterThan(0);
  await expect(round.getByTestId("mfd-hard-share")).toContainText("judged prompts");
  // The whole budget is filled from the seed pool (the targets are rounded to add up to it).
  await expect(round.getByTestId("round-origins")).toHaveAttribute("data-total", "8");
  await expect(round.getByTestId("loss-chart")).toBeVisible();

  // The open round is in the URL: a reload (or a shared link) opens round 2 again.
  await page.reload();
  await expect(page.getByTestId("round-panel")).toHaveAttribute("data-round", "2");

  // Each score across the rounds, with the initial student and the teacher as reference lines.
  await expect(page.getByTestId("score-chart-selfinst")).toHaveAttribute("data-points", "2");

  // A round's step opens its job: round 2's training is a run.
  await page.getByTestId("timeline-round-2").getByTestId("step-link-train").click();
  await page.waitForURL(/\/runs\/[^/?]+$/);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await page.goto(pipelineUrl);
  await page.locator("header nav").getByRole("link", { name: "Pipelines" }).click();
  await expect(page.getByTestId("pipelines-table")).toContainText("two rounds");
});
