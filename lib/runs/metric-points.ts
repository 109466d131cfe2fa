import type { PhaseName } from "~/lib/contracts/plan";
import { LineSeries } from "./series";

/** A metric event as charts need it: the job manager's flat series rows, or live metric events (a superset). */
export type MetricPoint = {
  seq: number;
  step: number;
  stage: number;
  loss: number;
  kd_loss?: number | null;
  ce_loss?: number | null;
  /** The attention-map loss (KD + DAE), in runs that have it. */
  attn_loss?: number | null;
  temperature?: number | null;
  tokens_seen?: number | null;
  /** Mean loss per POCL bucket over the step's samples, keyed "1", "2", …; absent in a plain run. */
  bucket_loss?: Record<string, number> | null;
  /** The plan phase of the step ("kd" or "dae"), in runs with a DAE phase. */
  phase?: PhaseName | null;
  /** A DAE step's mean loss of its domain rows and of the others (only the groups it drew). */
  group_loss?: { domain?: number; other?: number } | null;
};

/**
 * Appends a metric point (or an eval or stage event) in place, keeping one per step: a resumed attempt starts
 * again after its checkpoint, so a step at or below the last one supersedes the earlier attempt's from that
 * step on. They stay in strictly increasing step order.
 */
export function appendByStep<T extends { step: number }>(points: T[], point: T): void {
  while (points.length > 0 && points.at(-1)!.step >= point.step) points.pop();
  points.push(point);
}

/** A run's metric points (or evals, stages) in seq order, every attempt's: one per step, the latest attempt's. */
export function onePerStep<T extends { step: number }>(points: readonly T[]): T[] {
  const curve: T[] = [];
  for (const point of points) appendByStep(curve, point);
  return curve;
}

export type MetricKey = "loss" | "kd_loss" | "ce_loss" | "attn_loss" | "temperature";
/** A metric named by its field, or read by a function (one bucket's loss). */
export type MetricValue = MetricKey | ((m: MetricPoint) => number | null | undefined);
export type XAxisKey = "step" | "tokens_seen";

/**
 * One metric of a run as a chart line that follows the run's metric rows as they grow in place: each update
 * reads only the rows added since the last one. Rows that lack the metric are skipped (e.g. no CE term when
 * α = 1). When the rows were cut back (a resumed attempt superseding steps, see appendByStep), the last
 * row read is no longer where it was, and the line is read again from the start.
 */
export class MetricLine {
  series = new LineSeries();
  private read = 0;
  private lastSeq = 0;

  constructor(
    readonly y: MetricValue,
    readonly x: XAxisKey = "step",
  ) {}

  update(metrics: readonly MetricPoint[]): LineSeries {
    if (this.read > 0 && metrics[this.read - 1]?.seq !== this.lastSeq) {
      this.series = new LineSeries();
      this.read = 0;
    }
    if (metrics.length > 0) this.lastSeq = metrics[metrics.length - 1]!.seq;
    for (; this.read < metrics.length; this.read++) {
      const m = metrics[this.read]!;
      const xv = m[this.x];
      const yv = typeof this.y === "function" ? this.y(m) : m[this.y];
      if (typeof xv === "number" && typeof yv === "number" && Number.isFinite(yv)) this.series.push(xv, yv);
    }
    return this.series;
  }
}

/** One metric of a run, read once, as a chart line. */
export function metricSeries(metrics: readonly MetricPoint[], y: MetricKey, x: XAxisKey = "step"): LineSeries {
  return new MetricLine(y, x).update(metrics);
}
