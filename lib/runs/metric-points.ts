import type { MetricEvent } from "~/lib/contracts/events";
import type { Point } from "./series";

export type MetricKey = "loss" | "kd_loss" | "ce_loss" | "temperature" | "lr" | "tokens_per_s";
export type XAxisKey = "step" | "tokens_seen";

/** One metric of a run as chart points, skipping events that lack it (e.g. no CE term when α = 1). */
export function metricPoints(metrics: readonly MetricEvent[], y: MetricKey, x: XAxisKey = "step"): Point[] {
  const out: Point[] = [];
  for (const m of metrics) {
    const xv = m[x];
    const yv = m[y];
    if (typeof xv === "number" && typeof yv === "number" && Number.isFinite(yv)) out.push({ x: xv, y: yv });
  }
  return out;
}
