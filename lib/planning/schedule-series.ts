import { type ScheduleInput, schedule, stageLayout } from "./pocl";

/**
 * The schedule as the preview chart draws it, over optimizer steps. Computed from counts alone, so it can
 * follow a slider. Assumes the trainer takes ceil(samples / (batch_size · grad_accum)) optimizer steps per
 * epoch (a last partial batch still makes a step).
 */

export interface Batching {
  batch_size: number;
  grad_accum: number;
}

/** One stage as a run of steps [startStep, endStep); everything in it is constant. */
export interface StageSegment {
  stage: number;
  startStep: number;
  endStep: number;
  epochs: number;
  stepsPerEpoch: number;
  samples: number;
  /** Samples active per bucket during this stage (0 for buckets not in it); one entry per bucket. */
  bucketSamples: number[];
  temperature: number;
  kdWeight: number;
}

export interface SchedulePreview {
  bucketSizes: number[];
  segments: StageSegment[];
  totalSteps: number;
  /**
   * Where the chart draws stage lines: the first update of every stage after the first, numbered as the trainer's
   * metric events number updates (the first update is step 1, so a stage whose steps start at index i marks i + 1).
   */
  boundaries: number[];
}

/** Optimizer steps of one epoch over `samples` rows (a last partial batch still makes a step). */
export function stepsPerEpoch(samples: number, batching: Batching): number {
  return Math.ceil(samples / (batching.batch_size * batching.grad_accum));
}

export function previewSchedule(n: number, sched: ScheduleInput, batching: Batching): SchedulePreview {
  const { batch_size, grad_accum } = batching;
  if (!(Number.isInteger(batch_size) && batch_size >= 1 && Number.isInteger(grad_accum) && grad_accum >= 1))
    throw new Error(`batch_size and grad_accum must be integers ≥ 1, got ${batch_size} and ${grad_accum}`);
  const layout = stageLayout(n, schedule.parse(sched));
  let step = 0;
  const segments = layout.stages.map((s): StageSegment => {
    const bucketSamples = layout.bucketSizes.map((size, b) => (s.buckets.includes(b) ? size : 0));
    const samples = bucketSamples.reduce((a, b) => a + b, 0);
    const perEpoch = stepsPerEpoch(samples, batching);
    const startStep = step;
    step += perEpoch * s.epochs;
    return {
      stage: s.stage,
      startStep,
      endStep: step,
      epochs: s.epochs,
      stepsPerEpoch: perEpoch,
      samples,
      bucketSamples,
      temperature: s.temperature,
      kdWeight: s.kd_weight,
    };
  });
  return {
    bucketSizes: layout.bucketSizes,
    segments,
    totalSteps: step,
    boundaries: segments.slice(1).map((s) => s.startStep + 1),
  };
}

/** A chart row: `bucket_1` … `bucket_K` hold the samples active per bucket in update `step` (1-based, as metric events). */
export type SeriesPoint = { step: number; stage: number; temperature: number; kd_weight: number } & Record<
  `bucket_${number}`,
  number
>;

/**
 * Chart rows for Recharts: every step when there are at most `maxPoints`, otherwise an even stride; each
 * stage's first and last step are always included, so stage edges stay sharp.
 */
export function expandSeries(preview: SchedulePreview, maxPoints = 400): SeriesPoint[] {
  const stride = Math.max(1, Math.ceil(preview.totalSteps / maxPoints));
  const points: SeriesPoint[] = [];
  for (const seg of preview.segments) {
    const point = (index: number) => {
      const row: SeriesPoint = { step: index + 1, stage: seg.stage, temperature: seg.temperature, kd_weight: seg.kdWeight };
      seg.bucketSamples.forEach((count, b) => {
        row[`bucket_${b + 1}`] = count;
      });
      return row;
    };
    for (let index = seg.startStep; index < seg.endStep; index += stride) points.push(point(index));
    const last = seg.endStep - 1;
    if (last >= seg.startStep && points[points.length - 1].step !== last + 1) points.push(point(last));
  }
  return points;
}
