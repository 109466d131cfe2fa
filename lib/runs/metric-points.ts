import type { Point } from "./series";

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

/** One metric of a run as chart points, skipping events that lack it (e.g. no CE term when α = 1). */
export function metricPoints(metrics: readonly MetricPoint[], y: MetricKey, x: XAxisKey = "step"): Point[] {
  const out: Point[] = [];
  for (const m of metrics) {
    const xv = m[x];
    const yv = m[y];
    if (typeof xv === "number" && typeof yv === "number" && Number.isFinite(yv)) out.push({ x: xv, y: yv });
  }
  return out;
}
