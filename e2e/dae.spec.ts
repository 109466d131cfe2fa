import { expect, test, type Page } from "@playwright/test";
import { fillTinyRun } from "./tiny-run";

/** The demo dataset, loaded from the home page: 440 rows, each with a hand-labelled task type. */
async function loadDemo(page: Page): Promise<string> {
  await page.goto("/");
  await page.getByTestId("load-demo").click();
  await page.waitForURL(/\/datasets\/[^/?]+$/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready", { timeout: 120_000 });
  return new URL(page.url()).pathname;
}

/** The domain of the run: about a third of the demo's rows. */
const STEM = ["Math", "Reasoning", "Code Generation", "Code Debug", "Computer Science", "Technology", "Physics", "Chemistry", "Biology", "Medicine"];

/**
 * A new user tries KD + DAE: on the launch form a DAE phase over a dataset with no domain rows is refused before
 * launch, saying why; on the dataset page they flag the rows of some task types as the domain, see the share and
 * filter the rows by it; back on the form the share of the run's training rows shows, and a run chaining KD (with
 * the attention loss) and DAE trains; its page shows both phases on the curves and the DAE loss of the domain rows
 * and of the others as two curves.
 */
test("flag a domain by task type, launch KD + DAE, see both phases and the per-group curves", async ({ page }) => {
  test.setTimeout(1_500_000);
  const datasetPath = await loadDemo(page);
  const datasetId = datasetPath.split("/datasets/")[1]!;

  // Nothing is flagged yet: the DAE phase cannot run, and the form says so before launch.
  await page.goto(`/runs/new?dataset=${encodeURIComponent(datasetId)}`);
  await fillTinyRun(page, "kd + dae small", 24);
  await page.getByTestId("field-attention-enabled").check();
  await page.getByTestId("field-dae-enabled").check();
  // The paper's 2 epochs of DAE take twice as long; one shows the phase on a CPU.
  await expect(page.getByTestId("field-dae-epochs")).toHaveValue("2");
  await page.getByTestId("field-dae-epochs").fill("1");
  await expect(page.getByTestId("dae-share")).toContainText("0 of 24 rows (0%)");
  await expect(page.getByTestId("dae-share-error")).toContainText("none of the 24 training rows is flagged as domain");
  await expect(page.getByTestId("launch")).toBeDisabled();
  const form = page.url();

  // On the dataset page: flag the rows of the science and technology task types (hand labels, as no tagger has run)
  // as the domain.
  await page.goto(datasetPath);
  await expect(page.getByTestId("domain-share")).toHaveText("0 of 440 rows (0%)");
  await page.getByTestId("domain-panel").locator("summary").click();
  await expect(page.getByTestId("domain-tag-pass")).toHaveValue("");
  for (const type of STEM) await page.getByTestId(`domain-type-${type}`).check();
  await page.getByTestId("domain-flag-types").click();
  await expect(page.getByTestId("domain-flag-result")).toContainText(/Now \d+ of 440 rows/);
  const flagged = Number((await page.getByTestId("domain-share").textContent())!.split(" ")[0]);
  expect(flagged).toBeGreaterThan(0);
  expect(flagged).toBeLessThan(440);
  // The row list filters by the flag, and a domain row says so in the row view.
  await page.getByTestId("domain-filter").selectOption("1");
  await expect(page.getByTestId("search-count")).toHaveText(`${flagged} domain rows`);
  await page.getByTestId("row-item").first().click();
  await expect(page.getByTestId("row-domain")).toBeChecked();

  // Back on the form (its state is in the URL): the share of the run's training rows, and the launch is allowed.
  await page.goto(form);
  await expect(page.getByTestId("field-dae-enabled")).toBeChecked();
  await expect(page.getByTestId("dae-share")).toContainText(/Domain rows: [1-9]\d* of 24 rows/);
  await expect(page.getByTestId("dae-share-error")).toHaveCount(0);
  await expect(page.getByTestId("dae-same-model")).toBeVisible();
  await expect(page.getByTestId("job-preview")).toContainText('"dae"');
  await page.getByTestId("launch").click();
  await page.waitForURL(/\/runs\/(?!new)[^/?]+$/);

  await expect(page.getByTestId("run-dae")).toContainText("DAE phase: domain rows from SmolLM2-135M (embedded), the others from SmolLM2-135M (embedded)");
  // Both phases on the run page: a marker where each starts, and the DAE phase's two groups as their own curves.
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 1_200_000 });
  await expect(page.getByTestId("run-phase")).toHaveCount(2);
  await expect(page.getByTestId("group-loss")).toHaveAttribute("data-phases", "kd dae");
  await expect(page.getByTestId("run-phase").nth(0)).toContainText("KD phase (1/2)");
  await expect(page.getByTestId("run-phase").nth(1)).toContainText(/DAE phase \(2\/2\): \d+ domain samples from the expert, \d+ from the reference/);
  await expect(page.getByTestId("loss-chart")).toHaveAttribute("data-markers", "2");
  await expect(page.getByTestId("group-loss")).toHaveAttribute("data-groups", "domain other");
  await expect(page.getByTestId("group-loss-chart")).not.toHaveAttribute("data-points", "0");
  await page.screenshot({ path: "test-results/dae-run.png", fullPage: true });
});

/**
 * The DAE phase's learning rate and divergence in both launch forms, and the DAE stage in a curriculum's plan: a
 * wrong value is said beside its field in a sentence and holds the launch back; a right one goes into job.json.
 */
test("set the DAE phase's learning rate and divergence in both launch forms, and see its stage in a curriculum's plan", async ({ page }) => {
  const datasetId = (await loadDemo(page)).split("/datasets/")[1]!;
  // Some rows are the domain, so only the fields below can hold the launch back.
  await page.getByTestId("domain-panel").locator("summary").click();
  for (const type of STEM) await page.getByTestId(`domain-type-${type}`).check();
  await page.getByTestId("domain-flag-types").click();
  await expect(page.getByTestId("domain-flag-result")).toContainText(/Now \d+ of 440 rows/);

  await page.goto(`/runs/new?dataset=${encodeURIComponent(datasetId)}`);
  await page.getByTestId("field-dae-enabled").check();
  const fields = page.getByTestId("dae-fields");
  await expect(page.getByTestId("field-dae-lr")).toHaveValue("");
  await page.getByTestId("field-dae-lr").fill("0");
  await expect(fields).toContainText("the DAE learning rate must be above 0");
  await expect(page.getByText("Fix 1 field(s) first.")).toBeVisible();
  await page.getByTestId("field-dae-lr").fill("5e-5");
  await page.getByTestId("field-dae-loss").selectOption("jsd");
  await page.getByTestId("field-dae-loss-beta").fill("1.5");
  await expect(fields).toContainText("the DAE loss's β (the JSD mix) must be between 0 and 1");
  await expect(page.getByTestId("launch")).toBeDisabled();
  await page.getByTestId("field-dae-loss-beta").fill("0.3");
  await expect(fields).not.toContainText("must be");
  await expect(page.getByTestId("launch")).toBeEnabled();
  await expect(page.getByTestId("dae-plan")).toContainText("Jensen–Shannon (β) alone");
  const preview = JSON.parse((await page.getByTestId("job-preview").textContent())!) as { dae: { lr: number; loss: { name: string; beta: number } } };
  expect(preview.dae).toMatchObject({ lr: 5e-5, loss: { name: "jsd", beta: 0.3 } });
  // Emptied, the phase takes the run's learning rate.
  await page.getByTestId("field-dae-lr").fill("");
  await expect(page.getByTestId("job-preview")).toContainText('"lr": null');

  // A saved curriculum (every row once, one plain stage): with the DAE phase on, its plan lists the DAE stage.
  const curriculumId = await page.evaluate(async (dataset) => {
    const res = await fetch("/api/trpc/curriculum.save", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { name: "every row once", spec: { dataset_id: dataset, resample: null, schedule: { mode: "plain" }, eval_size: 8 } } }),
    });
    return ((await res.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
  }, datasetId);
  await page.goto(`/curricula/${encodeURIComponent(curriculumId)}`);
  await expect(page.getByTestId("plan-stage")).toHaveCount(1);
  await page.getByTestId("field-dae-enabled").check();
  await page.getByTestId("field-dae-epochs").fill("3");
  await expect(page.getByTestId("plan-stage")).toHaveCount(2);
  const daeStage = page.locator('[data-testid="plan-stage"][data-phase="dae"]');
  await expect(daeStage).toContainText("DAE");
  await expect(daeStage).toContainText("all rows");
  await expect(daeStage.locator("td").nth(4)).toHaveText("3"); // its epochs
  await expect(page.getByTestId("plan-summary")).toContainText("2 stages");
  await page.getByTestId("field-dae-lr").fill("-1");
  await expect(page.getByTestId("dae-fields")).toContainText("the DAE learning rate must be above 0");
  await expect(page.getByTestId("launch-curriculum")).toBeDisabled();
  await page.getByTestId("field-dae-lr").fill("1e-4");
  await page.getByTestId("field-dae-loss").selectOption("srkl");
  await page.getByTestId("field-dae-loss-skew").fill("2");
  await expect(page.getByTestId("dae-fields")).toContainText("the DAE loss's λ (the skew) must be between 0 and 1");
  await expect(page.getByTestId("launch-curriculum")).toBeDisabled();
  await page.getByTestId("field-dae-loss-skew").fill("0.2");
  await expect(page.getByTestId("launch-curriculum")).toBeEnabled();
});
