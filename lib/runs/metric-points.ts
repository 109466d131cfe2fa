import { LineSeries } from "./series";

/** A metric event as charts need it: the job manager's flat series rows, or live metric events (a superset). */
export type MetricPoint = {
  seq: number;
  step: number;
  stage: number;
  loss: number;
  kd_loss?: number | null;
  ce_loss?: number | null;
  temperature?: number | null;
  tokens_seen?: number | null;
};

export type MetricKey = "loss" | "kd_loss" | "ce_loss" | "temperature";
export type XAxisKey = "step" | "tokens_seen";

/**
 * One metric of a run as a chart line that follows the run's metric rows as they grow in place: each update
 * reads only the rows added since the last one. Rows that lack the metric are skipped (e.g. no CE term when
 * α = 1).
 */
export class MetricLine {
  readonly series = new LineSeries();
  private read = 0;

  constructor(
    readonly y: MetricKey,
    readonly x: XAxisKey = "step",
  ) {}

  update(metrics: readonly MetricPoint[]): LineSeries {
    for (; this.read < metrics.length; this.read++) {
      const m = metrics[this.read]!;
      const xv = m[this.x];
      const yv = m[this.y];
      if (typeof xv === "number" && typeof yv === "number" && Number.isFinite(yv)) this.series.push(xv, yv);
    }
    return this.series;
  }
}

/** One metric of a run, read once, as a chart line. */
export function metricSeries(metrics: readonly MetricPoint[], y: MetricKey, x: XAxisKey = "step"): LineSeries {
  return new MetricLine(y, x).update(metrics);
}
