import { z } from "zod";
import { deviceChoice, evalSuiteName, type EvalSuiteName } from "./job";
import { idField, pathField } from "./text-bounds";

/**
 * What the studio's evaluation forms send (the Evaluation tab, the evaluations page, the launch option). The eval
 * job's own job.json is `evalJob` in ./job, what it writes is in ./evaluation.
 */

/**
 * How the pages name each suite, whether it needs a judge endpoint or a run's held-out split, and what a reader of
 * its scores must know (`note`).
 */
export const SUITE_INFO: Record<EvalSuiteName, { label: string; judged: boolean; needsRun: boolean; size: number | null; note?: string }> = {
  selfinst: { label: "SelfInst", judged: false, needsRun: false, size: 252 },
  ifeval: { label: "IFEval", judged: false, needsRun: false, size: 541 },
  mt_bench: { label: "MT-Bench", judged: true, needsRun: false, size: 80 },
  vicuna: {
    label: "Vicuna-bench",
    judged: true,
    needsRun: false,
    size: 80,
    note:
      "Every Vicuna-bench question is judged without a reference answer: the evaluation datasets hold none for it, so its 10 math and coding questions, which FastChat grades against GPT-4's answers, are rated on the judge's own reckoning and do not compare with FastChat's ratings.",
  },
  heldout: { label: "Held-out split", judged: false, needsRun: true, size: null },
};

/** The model an evaluation runs on: one of a run's models, a model file or folder, or an endpoint. */
export const evalTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("run_student"), runId: idField("a run id") }),
  z.object({ kind: z.literal("run_teacher"), runId: idField("a run id") }),
  z.object({ kind: z.literal("run_initial"), runId: idField("a run id") }),
  /** The run's student as its checkpoint at this optimizer step saved it (the run must still keep that checkpoint). */
  z.object({ kind: z.literal("run_checkpoint"), runId: idField("a run id"), step: z.number().int("a checkpoint's step is a whole number").min(1, "a checkpoint's step is at least 1") }),
  z.object({ kind: z.literal("path"), source: z.enum(["dir", "gguf"]), path: pathField("the model path").min(1, "the model path is required") }),
  z.object({ kind: z.literal("endpoint"), endpointId: idField("an endpoint id") }),
]);
export type EvalTarget = z.infer<typeof evalTarget>;

export const suiteChoice = z.object({
  name: evalSuiteName,
  /** The first `limit` items of the suite; null runs all of them. */
  limit: z.number().int("a suite's limit is a whole number").min(1, "a suite's limit is at least 1").max(100_000).nullable().default(null),
});
export type SuiteChoice = z.infer<typeof suiteChoice>;

/** Which suites, and how: shared by the evaluate form and the run launch's "evaluate when the run ends". */
export const evalSettings = z.object({
  suites: z
    .array(suiteChoice)
    .min(1, "choose at least one suite")
    .refine((suites) => new Set(suites.map((s) => s.name)).size === suites.length, "each suite is chosen at most once"),
  /** The endpoint that grades MT-Bench and Vicuna-bench answers; required when one of them is chosen. */
  judgeEndpointId: idField("a judge endpoint id").nullable().default(null),
  /** SelfInst: sampled at temperature 1 over this many seeds (POCL uses 5), or greedy once. */
  seeds: z.number().int("seeds is a whole number").min(1, "seeds is at least 1").max(20, "seeds is at most 20").default(5),
  greedy: z.boolean().default(false),
  maxNewTokens: z.number().int("max new tokens is a whole number").min(1, "max new tokens is at least 1").max(4096, "max new tokens is at most 4,096").default(256),
  /** The most tokens a judgment may take (FastChat's judge answers within 2,048; a small local judge on a busy CPU needs fewer). */
  judgeMaxTokens: z.number().int("the judge's max tokens is a whole number").min(1, "the judge's max tokens is at least 1").max(4096, "the judge's max tokens is at most 4,096").default(512),
  batchSize: z.number().int("the batch size is a whole number").min(1, "the batch size is at least 1").max(256, "the batch size is at most 256").default(8),
  device: deviceChoice.default("auto"),
});
export type EvalSettings = z.infer<typeof evalSettings>;

/** The sentence for settings whose suites need a judge and name none (checked by the form and the server). */
export function missingJudge(settings: Pick<EvalSettings, "suites" | "judgeEndpointId">): string | null {
  const judged = settings.suites.filter((s) => SUITE_INFO[s.name].judged).map((s) => SUITE_INFO[s.name].label);
  return judged.length && !settings.judgeEndpointId ? `${judged.join(" and ")} ${judged.length > 1 ? "are" : "is"} graded by a judge: choose a judge endpoint` : null;
}

export const startEvalInput = evalSettings.extend({ target: evalTarget });
export type StartEvalInput = z.input<typeof startEvalInput>;
