import { z } from "zod";
import { type DaeSpec, modelRef, type ModelRef } from "~/lib/contracts/job";
import type { TrainPlan } from "~/lib/contracts/plan";
import { DAE_STAGE_DEFAULTS, withDaePhase } from "~/lib/planning/dae";

/**
 * KD + DAE's Domain Alignment from Expert as the launch forms hold it (docs/methods.md, KD+DAE §2): on/off, the
 * frozen domain expert that teaches the rows flagged as domain and the frozen reference model that teaches the
 * others, whether the phase follows a KD phase (the paper's chain: KD with the attention loss, then DAE from the KD
 * student) or runs alone from the initial student, and its epochs.
 */
export const daeChoice = z.object({
  enabled: z.boolean().default(false),
  expert: modelRef.default({ source: "embedded" }),
  reference: modelRef.default({ source: "embedded" }),
  afterKd: z.boolean().default(true),
  epochs: z.number().int().min(1).max(1000).default(DAE_STAGE_DEFAULTS.epochs),
});
export type DaeChoice = z.infer<typeof daeChoice>;

/** job.json's `dae` block: forward KL to the stacked expert/reference target, as the paper. */
export function daeSpec(choice: DaeChoice): DaeSpec {
  return { expert: choice.expert, reference: choice.reference, loss: { name: "fkl", beta: 0.1, skew: 0.1, chunk_size: 128 }, lr: null };
}

/**
 * The plan with the form's DAE phase chained after its KD stages (or in their place when it runs alone): one stage
 * over every training row once, whatever the KD stages repeated.
 */
export function planWithDae(plan: TrainPlan, choice: DaeChoice): TrainPlan {
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
