import { z } from "zod";

/**
 * plan.json: the explicit curriculum a train job carries out. Planning (buckets, resampling, schedules) is
 * done in TypeScript (lib/planning); the trainer executes these stages as given and never re-derives them.
 * A plain run is one stage over every sample.
 */
/**
 * "kd": distil from job.teacher (with the attention loss when job.attention is enabled); "dae": KD + DAE's
 * Domain Alignment from Expert, each row's target from job.dae.expert or job.dae.reference by its is_domain flag.
 */
export const PHASES = ["kd", "dae"] as const;
export const phaseName = z.enum(PHASES);
export type PhaseName = z.infer<typeof phaseName>;

export const planStage = z.object({
  stage: z.number().int().min(1),
  /** Absent: "kd". A plan runs its "kd" stages first, then its "dae" stages (KD + DAE's chain, one run, one student). */
  phase: phaseName.optional(),
  /** Sample ids (the `id` field of train.jsonl rows); repeats allowed (resampling). */
  sample_ids: z.array(z.string()),
  epochs: z.number().int().min(1),
  temperature: z.number().positive(),
  kd_weight: z.number().min(0).max(1),
  /**
   * The POCL buckets the stage's samples come from, in sample_ids order: the first `samples` ids are from
   * `bucket`, the next ones from the next entry's. The trainer reports its training loss per bucket from it.
   * Absent in a plain run, which has no buckets.
   */
  buckets: z.array(z.object({ bucket: z.number().int().min(1), samples: z.number().int().min(1) })).optional(),
});

export const trainPlan = z.object({
  schema_version: z.literal(1),
  /** Where the plan came from, for display: "plain", "pocl", a curriculum hash. */
  source: z.string(),
  stages: z.array(planStage).min(1),
}).refine((plan) => !plan.stages.some((s, i) => s.phase !== "dae" && plan.stages[i - 1]?.phase === "dae"), {
  message: "the plan's kd stages must all come before its dae stages",
  path: ["stages"],
});
export type TrainPlan = z.infer<typeof trainPlan>;
export type PlanStage = z.infer<typeof planStage>;
