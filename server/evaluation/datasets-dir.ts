import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES, type EvalSuiteName } from "~/lib/contracts/job";

/** The files each suite reads from the evaluation datasets folder (the held-out split is the run's own). */
const SUITE_FILES: Record<EvalSuiteName, string[]> = {
  selfinst: ["self_instruct_user_oriented.jsonl"],
  ifeval: ["ifeval_input_data.jsonl"],
  mt_bench: ["mt_bench_questions.jsonl", "mt_bench_judge_prompts.jsonl", "mt_bench_reference_gpt4.jsonl"],
  vicuna: ["vicuna_bench_questions.jsonl", "mt_bench_judge_prompts.jsonl", "mt_bench_reference_gpt4.jsonl"],
  heldout: [],
};

/**
 * The folder the eval job reads its suites from, by path: DISTILL_EVAL_DATASETS, or the repository's sibling
 * ../shared/datasets. The data is not shipped with the studio, so the pages say which suites cannot run and why.
 */
export function evalDatasetsDir(env: Record<string, string | undefined> = process.env): string {
  // A runtime folder: the ignore comments keep Next's build from tracing the whole project through it.
  return resolve(/*turbopackIgnore: true*/ env.DISTILL_EVAL_DATASETS ?? "../shared/datasets");
}

/** Each suite's missing files under the folder (none for a suite that can run). */
export function suiteAvailability(dir = evalDatasetsDir()) {
  const found = existsSync(/*turbopackIgnore: true*/ dir);
  const missing = Object.fromEntries(EVAL_SUITES.map((suite) => [suite, SUITE_FILES[suite].filter((file) => !existsSync(/*turbopackIgnore: true*/ join(dir, file)))])) as Record<EvalSuiteName, string[]>;
  return { dir, found, missing };
}

/** The sentence for a suite that cannot run here, or null. */
export function unavailableReason(suite: EvalSuiteName, availability = suiteAvailability()): string | null {
  const missing = availability.missing[suite];
  if (!missing.length) return null;
  const where = availability.found ? `${availability.dir} has no ${missing.join(", ")}` : `the evaluation datasets folder ${availability.dir} does not exist`;
  return `${SUITE_INFO[suite].label} cannot run: ${where} (set DISTILL_EVAL_DATASETS to the folder that holds the suites' files)`;
}
