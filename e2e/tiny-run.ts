import type { Page } from "@playwright/test";

/**
 * Fills the open launch form for a tiny CPU run: embedded teacher, a 2-layer pruned student, 64 tokens, batches of 4,
 * a 4-row eval split without periodic evals; checkpoints only every `checkpointEvery` steps when asked.
 */
export async function fillTinyRun(page: Page, name: string, trainSamples: number, options: { checkpointEvery?: number } = {}) {
  await page.getByTestId("field-name").fill(name);
  await page.getByTestId("student-layers").fill("2");
  for (const [field, value] of [
    ["trainSamples", trainSamples],
    ["evalSize", 4],
    ["evalEvery", 0],
    ["evalPrompts", 2],
    ["evalMaxNewTokens", 8],
    ["batchSize", 4],
    ["maxLength", 64],
    ["checkpointEvery", options.checkpointEvery ?? 0],
  ] as const) {
    await page.getByTestId(`field-${field}`).fill(String(value));
  }
  await page.getByTestId("field-device").selectOption("cpu");
}
