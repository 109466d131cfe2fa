import { z } from "zod";
import { type DaeSpec, modelRef, type ModelRef } from "~/lib/contracts/job";
import type { TrainPlan } from "~/lib/contracts/plan";
import { DAE_STAGE_DEFAULTS, withDaePhase } from "~/lib/planning/dae";
import { lossChoice, lossSpecOf } from "./loss";

/**
 * KD + DAE's Domain Alignment from Expert as the launch forms hold it (docs/methods.md, KD+DAE §2): on/off, the
 * frozen domain expert that teaches the rows flagged as domain and the frozen reference model that teaches the
 * others, whether the phase follows a KD phase (the paper's chain: KD with the attention loss, then DAE from the KD
 * student) or runs alone from the initial student, its epochs, its divergence (the paper's forward KL by default)
 * and its peak learning rate (null: the run's).
 */
export const daeChoice = z.object({
  enabled: z.boolean().default(false),
  expert: modelRef.default({ source: "embedded" }),
  reference: modelRef.default({ source: "embedded" }),
  afterKd: z.boolean().default(true),
  epochs: z
    .number({ error: "the DAE epochs must be a number" })
    .int("the DAE epochs must be a whole number")
    .min(1, "the DAE phase needs at least 1 epoch")
    .max(1000, "the DAE phase has at most 1,000 epochs")
    .default(DAE_STAGE_DEFAULTS.epochs),
  loss: lossChoice("the DAE loss").prefault({}),
  lr: z
    .number({ error: "the DAE learning rate must be a number, or empty for the run's learning rate" })
    .positive("the DAE learning rate must be above 0")
    .max(1, "the DAE learning rate must be at most 1")
    .nullable()
    .default(null),
});
export type DaeChoice = z.infer<typeof daeChoice>;

/** job.json's `dae` block: the form's divergence to the stacked expert/reference target and its learning rate. */
export function daeSpec(choice: DaeChoice): DaeSpec {
  return { expert: choice.expert, reference: choice.reference, loss: lossSpecOf(choice.loss), lr: choice.lr };
}

/** What of the DAE choice shapes the plan (the curriculum launch page's plan table asks with these). */
export const daePlanChoice = daeChoice.pick({ enabled: true, afterKd: true, epochs: true });
export type DaePlanChoice = z.infer<typeof daePlanChoice>;

/**
 * The plan with the form's DAE phase chained after its KD stages (or in their place when it runs alone): one stage
 * over every training row once, whatever the KD stages repeated.
 */
export function planWithDae(plan: TrainPlan, choice: DaePlanChoice): TrainPlan {
  if (!choice.enabled) return plan;
  const ids = [...new Set(plan.stages.flatMap((s) => s.sample_ids))];
  return withDaePhase(choice.afterKd ? plan : { ...plan, stages: [] }, ids, { epochs: choice.epochs });
}

/** Said in the form when both pickers name the same model: every row would then get the same target. */
export function sameModel(a: ModelRef, b: ModelRef): boolean {
  return a.source === b.source && ("path" in a ? a.path : "") === ("path" in b ? b.path : "");
}

/** Why a DAE phase cannot run on this split of rows (no domain rows, or nothing else), or null when it can. */
export function domainShareProblem(share: { domain: number; total: number }): string | null {
  if (share.total === 0) return null;
  if (share.domain === 0) {
    return `none of the ${share.total} training rows is flagged as domain, so the domain expert would teach nothing: flag the domain rows on the dataset page (by task type, by hand, or from a column at import), or turn the DAE phase off`;
  }
  if (share.domain === share.total) {
    return `all ${share.total} training rows are flagged as domain, so the reference model would teach nothing: unflag the rows outside the domain on the dataset page, or turn the DAE phase off`;
  }
  return null;
}
