import type { PlanStage, TrainPlan } from "~/lib/contracts/plan";
import { BadRequest } from "~/lib/errors";

/**
 * The DAE phase's stage settings as the paper trains it (docs/methods.md KD+DAE §2): forward KL to the stacked
 * target at temperature 1 with no CE mixed in, 2 epochs.
 */
export const DAE_STAGE_DEFAULTS = { epochs: 2, temperature: 1, kd_weight: 1 } as const;

export type DaeStageSettings = { epochs: number; temperature: number; kd_weight: number };

/**
 * KD + DAE's chain in one plan: the given plan's stages as the KD phase, then one DAE stage over `sampleIds`
 * (the training rows; each row's is_domain flag in train.jsonl picks its target model).
 */
export function withDaePhase(plan: TrainPlan, sampleIds: readonly string[], settings: Partial<DaeStageSettings> = {}): TrainPlan {
  if (sampleIds.length === 0) throw new BadRequest("the DAE phase has no training rows to learn from");
  const kd: PlanStage[] = plan.stages.map((s) => ({ ...s, phase: "kd" }));
  const dae: PlanStage = { stage: kd.length + 1, phase: "dae", sample_ids: [...sampleIds], ...DAE_STAGE_DEFAULTS, ...settings };
  return { ...plan, stages: [...kd, dae] };
}
