import { createLTTB } from "downsample";

export type Point = { x: number; y: number };

/**
 * TensorBoard's debiased exponential moving average: weight 0 leaves the series as is, 0.99 is very smooth.
 * Debiasing keeps the first points from being pulled towards 0. Non-finite values pass through unsmoothed.
 */
export function ema(points: readonly Point[], weight: number): Point[] {
  if (weight <= 0) return points.slice();
  const out = new Array<Point>(points.length);
  let last = 0;
  // 1 − weight^n, kept as a running product: Math.pow per point is the slow part at 100,000 points
  let decay = 1;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!Number.isFinite(p.y)) {
      out[i] = p;
      continue;
    }
    last = last * weight + (1 - weight) * p.y;
    decay *= weight;
    out[i] = { x: p.x, y: last / (1 - decay) };
  }
  return out;
}

const lttb = createLTTB<Point>({ x: "x", y: "y" });

/**
 * Largest-triangle-three-buckets down to `threshold` points (about one per horizontal pixel), keeping the
 * first and last point and the visual peaks. Shorter series are returned unchanged.
 */
export function downsample(points: readonly Point[], threshold: number): Point[] {
  const target = Math.max(3, Math.floor(threshold));
  if (points.length <= target) return points.slice();
  return Array.from(lttb(points as Point[], target));
}

/** Smooth on the full-resolution series first, then downsample: smoothing after LTTB would smooth its picks. */
export function chartSeries(points: readonly Point[], smoothing: number, width: number): Point[] {
  return downsample(ema(points, smoothing), width);
}
