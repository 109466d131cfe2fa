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
