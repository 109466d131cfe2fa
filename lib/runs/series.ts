export type Point = { x: number; y: number };

/**
 * One chart line at full resolution, in growable typed arrays, appended in place as a run goes on. Its EMA is
 * kept up to date incrementally: the EMA is causal, so appending points never changes earlier smoothed values
 * and a live update smooths only the new points (a different weight recomputes the whole line). `chart()`
 * then LTTB-downsamples to about one point per pixel and memoises its result until the line, the weight or
 * the width changes.
 */
export class LineSeries {
  xs = new Float64Array(1_024);
  ys = new Float64Array(1_024);
  length = 0;
  private smooth = new Float64Array(0);
  private smoothWeight = Number.NaN;
  private smoothLength = 0;
  private emaLast = 0;
  private emaDecay = 1;
  private charted: { length: number; weight: number; width: number; points: Point[] } | null = null;

  static from(points: readonly Point[]): LineSeries {
    const series = new LineSeries();
    for (const p of points) series.push(p.x, p.y);
    return series;
  }

  push(x: number, y: number): void {
    if (this.length === this.xs.length) {
      const xs = new Float64Array(this.length * 2);
      const ys = new Float64Array(this.length * 2);
      xs.set(this.xs);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.length] = x;
    this.ys[this.length] = y;
    this.length++;
  }

  /**
   * TensorBoard's debiased exponential moving average: weight 0 leaves the series as is, 0.99 is very smooth.
   * Debiasing keeps the first points from being pulled towards 0. Non-finite values pass through unsmoothed.
   * Returns the line's own buffer (valid up to `length`, until the next call).
   */
  smoothed(weight: number): Float64Array {
    if (weight <= 0) return this.ys;
    if (weight !== this.smoothWeight) {
      this.smoothWeight = weight;
      this.smoothLength = 0;
      this.emaLast = 0;
      this.emaDecay = 1;
    }
    if (this.smooth.length < this.length) {
      const grown = new Float64Array(this.xs.length);
      grown.set(this.smooth.subarray(0, this.smoothLength));
      this.smooth = grown;
    }
    const { ys, smooth } = this;
    let last = this.emaLast;
    // 1 − weight^n, kept as a running product: Math.pow per point is the slow part at 100,000 points
    let decay = this.emaDecay;
    for (let i = this.smoothLength; i < this.length; i++) {
      const y = ys[i]!;
      if (!Number.isFinite(y)) {
        smooth[i] = y;
        continue;
      }
      last = last * weight + (1 - weight) * y;
      decay *= weight;
      smooth[i] = last / (1 - decay);
    }
    this.emaLast = last;
    this.emaDecay = decay;
    this.smoothLength = this.length;
    return smooth;
  }

  /** Smoothed at full resolution first, then downsampled: smoothing after LTTB would smooth its picks. */
  chart(weight: number, width: number): Point[] {
    const w = Math.max(0, weight);
    const c = this.charted;
    if (c && c.length === this.length && c.weight === w && c.width === width) return c.points;
    const ys = this.smoothed(w);
    const keep = lttbIndices(this.xs, ys, this.length, width);
    const points = new Array<Point>(keep.length);
    for (let i = 0; i < keep.length; i++) points[i] = { x: this.xs[keep[i]!]!, y: ys[keep[i]!]! };
    this.charted = { length: this.length, weight: w, width, points };
    return points;
  }
}

/**
 * The indices largest-triangle-three-buckets keeps of the first `n` points when reducing them to `threshold`
 * (at least 3): the first and last point and, per bucket, the point forming the largest triangle with the
 * previous pick and the next bucket's mean. The same picks as the `downsample` package's LTTB (its bucket
 * bounds and arithmetic, in the same order; series.test.ts checks), on typed arrays with no per-point object,
 * which made it ~30× slower at 100,000 points. All indices when n ≤ threshold.
 */
function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, threshold: number): Uint32Array {
  const target = Math.max(3, Math.floor(threshold));
  if (n <= target) return Uint32Array.from({ length: n }, (_, i) => i);
  const out = new Uint32Array(target);
  const buckets = target - 2;
  const size = (n - 2) / buckets;
  // Bucket b holds [bound(b), bound(b + 1)); the point after the last bucket is the last point, alone.
  const bound = (b: number) => 1 + Math.floor(b * size);
  let a = 0;
  for (let b = 0; b < buckets; b++) {
    const nextFrom = b + 1 < buckets ? bound(b + 1) : n - 1;
    const nextTo = b + 1 < buckets ? bound(b + 2) : n;
    let avgX = 0;
    let avgY = 0;
    for (let j = nextFrom; j < nextTo; j++) {
      avgX += xs[j]!;
      avgY += ys[j]!;
    }
    avgX /= nextTo - nextFrom;
    avgY /= nextTo - nextFrom;
    const ax = xs[a]!;
    const ay = ys[a]!;
    let maxArea = -1;
    let pick = bound(b);
    for (let j = bound(b), to = bound(b + 1); j < to; j++) {
      const area = Math.abs((ax - avgX) * (ys[j]! - ay) - (ax - xs[j]!) * (avgY - ay)) / 2;
      if (area > maxArea) {
        maxArea = area;
        pick = j;
      }
    }
    out[b + 1] = a = pick;
  }
  out[target - 1] = n - 1;
  return out;
}

/** A line from scratch, smoothed at full resolution, then LTTB-downsampled (smoothing 0: downsampled only). */
export function chartSeries(points: readonly Point[], smoothing: number, width: number): Point[] {
  return LineSeries.from(points).chart(smoothing, width);
}
