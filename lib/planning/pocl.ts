import { z } from "zod";
import type { PlanStage, TrainPlan } from "~/lib/contracts/plan";
import { BadRequest } from "~/lib/errors";

/**
 * POCL's curriculum (docs/methods.md, POCL §3–4): order samples easy → hard, cut K buckets of floor(N/K) (the
 * last takes the remainder), train stage s on buckets 1..s ("baby steps", cumulative) or on bucket s alone,
 * with temperature and KD weight rising linearly across stages.
 */

/** How to read the bucketing score: POCL's RRF score is higher-is-easier; studio difficulties are higher-is-harder. */
export const scoreDirection = z.enum(["higher_is_easier", "higher_is_harder"]);
export type ScoreDirection = z.infer<typeof scoreDirection>;

const ramp = (start: number, end: number, bounds: z.ZodNumber) =>
  z.object({ start: bounds.default(start), end: bounds.default(end) }).default({ start, end });

export const schedule = z.object({
  /** plain: one stage over every sample; cumulative: stage s = buckets 1..s; per_bucket: stage s = bucket s. */
  mode: z.enum(["plain", "cumulative", "per_bucket"]).default("cumulative"),
  buckets: z.number().int().min(1).max(64).default(4),
  /** POCL's code runs 8 epochs per stage; 1 keeps a first run short. */
  epochs_per_stage: z.number().int().min(1).default(1),
  temperature: ramp(1.0, 2.0, z.number().positive()),
  kd_weight: ramp(0.7, 1.0, z.number().min(0).max(1)),
  direction: scoreDirection.default("higher_is_harder"),
});
export type Schedule = z.infer<typeof schedule>;
export type ScheduleInput = z.input<typeof schedule>;

/** Sample positions sorted easy → hard; unscored (NaN) samples go last, ties keep their input order. */
export function easyToHardOrder(scores: ArrayLike<number>, direction: ScoreDirection): Int32Array {
  const sign = direction === "higher_is_harder" ? 1 : -1;
  const keys = new Float64Array(scores.length);
  const scored: number[] = [];
  const unscored: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    keys[i] = sign * scores[i];
    (Number.isNaN(keys[i]) ? unscored : scored).push(i);
  }
  scored.sort((a, b) => keys[a] - keys[b] || a - b);
  return Int32Array.from([...scored, ...unscored]);
}

/** K buckets of floor(N/K); the last takes the remainder. */
export function bucketSizes(n: number, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new BadRequest(`bucket count must be an integer ≥ 1, got ${k}`);
  if (n < k) throw new BadRequest(`cannot split ${n} samples into ${k} buckets`);
  const size = Math.floor(n / k);
  return Array.from({ length: k }, (_, b) => (b === k - 1 ? n - size * (k - 1) : size));
}

/** `count` values from start to end, evenly spaced; one value = start. Rounded to 1e-6 for readable plans. */
export function linearRamp(start: number, end: number, count: number): number[] {
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  if (count === 1) return [round(start)];
  return Array.from({ length: count }, (_, s) => round(start + ((end - start) * s) / (count - 1)));
}

export interface StageLayout {
  stage: number;
  /** 0-based indexes of the buckets this stage trains on. */
  buckets: number[];
  epochs: number;
  temperature: number;
  kd_weight: number;
}

/** Which buckets each stage trains on, and its settings; a plain run is one bucket, one stage. */
export function stageLayout(n: number, sched: Schedule): { bucketSizes: number[]; stages: StageLayout[] } {
  if (!Number.isInteger(n) || n < 1) throw new BadRequest(`a plan needs at least 1 sample, got ${n}`);
  if (sched.mode === "plain") {
    const stage = { stage: 1, buckets: [0], epochs: sched.epochs_per_stage };
    return { bucketSizes: [n], stages: [{ ...stage, temperature: sched.temperature.start, kd_weight: sched.kd_weight.start }] };
  }
  const sizes = bucketSizes(n, sched.buckets);
  const k = sizes.length;
  const temperatures = linearRamp(sched.temperature.start, sched.temperature.end, k);
  const weights = linearRamp(sched.kd_weight.start, sched.kd_weight.end, k);
  const stages = sizes.map((_, s) => ({
    stage: s + 1,
    buckets: sched.mode === "cumulative" ? Array.from({ length: s + 1 }, (_, b) => b) : [s],
    epochs: sched.epochs_per_stage,
    temperature: temperatures[s],
    kd_weight: weights[s],
  }));
  return { bucketSizes: sizes, stages };
}

export interface BuildPlanInput {
  /** Sample ids (train.jsonl `id`), repeats allowed. */
  ids: readonly string[];
  /** One bucketing score per id, read by `schedule.direction`; not needed for a plain run. */
  scores?: ArrayLike<number> | null;
  schedule: ScheduleInput;
  /** plan.json `source`: "plain", "pocl", a curriculum hash. */
  source: string;
}

/** The explicit plan the trainer carries out. Within a stage, samples are listed easy → hard. */
export function buildTrainPlan(input: BuildPlanInput): TrainPlan {
  const sched = schedule.parse(input.schedule);
  const { ids, scores } = input;
  let ordered: readonly string[] = ids;
  if (sched.mode !== "plain") {
    if (!scores) throw new BadRequest(`schedule mode "${sched.mode}" needs a bucketing score per sample`);
    if (scores.length !== ids.length) throw new Error(`${scores.length} scores for ${ids.length} sample ids`);
    const order = easyToHardOrder(scores, sched.direction);
    const sorted = new Array<string>(order.length);
    for (let i = 0; i < order.length; i++) sorted[i] = ids[order[i]];
    ordered = sorted;
  }
  const layout = stageLayout(ids.length, sched);
  const starts = [0];
  for (const size of layout.bucketSizes) starts.push(starts[starts.length - 1] + size);
  // A stage's buckets are always a contiguous run (1..s or s alone), so one slice covers them.
  const stages = layout.stages.map(
    ({ buckets, ...rest }): PlanStage => ({
      ...rest,
      sample_ids: ordered.slice(starts[buckets[0]], starts[buckets[buckets.length - 1] + 1]),
      ...(sched.mode === "plain" ? {} : { buckets: buckets.map((b) => ({ bucket: b + 1, samples: layout.bucketSizes[b] })) }),
    }),
  );
  return { schema_version: 1, source: input.source, stages };
}
