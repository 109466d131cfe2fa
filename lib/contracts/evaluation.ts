import { z } from "zod";
import { evalSuiteName } from "./job";

/**
 * What an eval job writes (docs/evaluation.md): eval.json (evalResult, also the done event's result) and
 * eval_answers.jsonl (one evalAnswer per line). The trainer validates both against the JSON Schemas generated
 * from here before writing them.
 */

/**
 * One metric over n samples: the mean and the samples' standard deviation (n − 1 in the denominator; null when
 * n < 2). What a sample is depends on the metric: a seed for SelfInst's rouge_l (each seed's mean over the
 * prompts), a prompt or an instruction for IFEval (1 passed, 0 failed), a judged turn for MT-Bench and
 * Vicuna-bench, a row for the held-out split.
 */
export const evalMetric = z.object({
  mean: z.number().nullable(),
  std: z.number().nullable(),
  n: z.number().int().min(0),
});
export type EvalMetric = z.infer<typeof evalMetric>;

/**
 * Metric names by suite: selfinst rouge_l; ifeval prompt_strict, prompt_loose, instruction_strict,
 * instruction_loose; mt_bench score, turn_1, turn_2; vicuna score; heldout ce (nats per answer token), rouge_l.
 */
export const evalSuiteResult = z.object({
  metrics: z.record(z.string(), evalMetric),
  /** Judged suites: the mean rating of each category's judged turns. */
  by_category: z.record(z.string(), z.object({ mean: z.number().nullable(), n: z.number().int().min(0) })).optional(),
  /** Judged suites: judgments with no [[rating]] even after one retry, left out of every mean. */
  unparsed: z.number().int().min(0).optional(),
  /** Items (prompts, questions, rows) the suite evaluated. */
  items: z.number().int().min(0),
});
export type EvalSuiteResult = z.infer<typeof evalSuiteResult>;

export const evalResult = z.object({
  suites: z.partialRecord(evalSuiteName, evalSuiteResult),
});
export type EvalResult = z.infer<typeof evalResult>;

/** One line of eval_answers.jsonl: one answered item, turn and (SelfInst) seed. */
export const evalAnswer = z.object({
  suite: evalSuiteName,
  /** The item's id in its file (SelfInst's id, IFEval's key, MT-Bench's question_id, the held-out row's id), as text. */
  item_id: z.string(),
  category: z.string().nullable(),
  /** 1-based; 2 only for MT-Bench's second turn. */
  turn: z.number().int().min(1),
  /** The sampling seed (SelfInst sampled); null for greedy and endpoint-free suites' single pass. */
  seed: z.number().int().nullable(),
  /** The turn's user prompt. */
  prompt: z.string(),
  answer: z.string(),
  /** The reference answer, when the suite has one (SelfInst, the held-out rows, MT-Bench math/reasoning/coding). */
  reference: z.string().nullable(),
  /** SelfInst and held-out: ROUGE-L F1; MT-Bench and Vicuna-bench: the judge's rating (null when unparsed). */
  score: z.number().nullable(),
  judge_explanation: z.string().nullable(),
  /** IFEval: every instruction followed (prompt-level, strict). */
  passed: z.boolean().nullable(),
  /**
   * Suite-specific: IFEval {prompt_loose, instructions: [{id, strict, loose}]}; held-out {ce}; judged suites
   * {unparsed: true} when the judgment had no rating.
   */
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type EvalAnswer = z.infer<typeof evalAnswer>;
