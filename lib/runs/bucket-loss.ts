import type { LineSeries } from "./series";
import { MetricLine, type MetricPoint } from "./metric-points";

/**
 * Training loss per POCL bucket on the run page. The trainer's metric events carry `bucket_loss`, each bucket's
 * mean loss over the step's samples (trainer/distill/bucket_loss.py); a stage of a cumulative curriculum trains
 * on buckets 1..s, so one step mixes buckets and these show whether the easy ones stay learnt as harder ones come in.
 */

/** Bucket numbers a metric point reports, ascending. */
const bucketsOf = (m: MetricPoint): number[] => Object.keys(m.bucket_loss ?? {}).map(Number);

/** One line per bucket, following the run's metric rows as they grow in place (each a MetricLine). */
export class BucketLossLines {
  private lines = new Map<number, MetricLine>();
  private scanned = 0;

  update(metrics: readonly MetricPoint[]): { bucket: number; series: LineSeries }[] {
    // Only rows added since the last update can name a new bucket. Rows cut back by a resumed attempt come back
    // with the same buckets (the plan fixes each step's samples), so the lines found stay right.
    for (this.scanned = Math.min(this.scanned, metrics.length); this.scanned < metrics.length; this.scanned++) {
      for (const bucket of bucketsOf(metrics[this.scanned]!)) {
        if (!this.lines.has(bucket)) this.lines.set(bucket, new MetricLine((m) => m.bucket_loss?.[bucket]));
      }
    }
    return [...this.lines].sort(([a], [b]) => a - b).map(([bucket, line]) => ({ bucket, series: line.update(metrics) }));
  }
}

/** Per stage (ascending), the mean over its updates of each bucket's loss, for the buckets it trained on. */
export function bucketLossByStage(metrics: readonly MetricPoint[]): Map<number, Map<number, number>> {
  const sums = new Map<number, Map<number, { sum: number; n: number }>>();
  for (const m of metrics) {
    for (const bucket of bucketsOf(m)) {
      const loss = m.bucket_loss![bucket]!;
      if (!Number.isFinite(loss)) continue;
      const stage = sums.get(m.stage) ?? new Map<number, { sum: number; n: number }>();
      const acc = stage.get(bucket) ?? { sum: 0, n: 0 };
      acc.sum += loss;
      acc.n++;
      stage.set(bucket, acc);
      sums.set(m.stage, stage);
    }
  }
  return new Map(
    [...sums]
      .sort(([a], [b]) => a - b)
      .map(([stage, byBucket]) => [stage, new Map([...byBucket].sort(([a], [b]) => a - b).map(([bucket, a]) => [bucket, a.sum / a.n]))]),
  );
}

/** The buckets any stage reports, ascending: the table's columns. */
export function bucketsIn(byStage: Map<number, Map<number, number>>): number[] {
  return [...new Set([...byStage.values()].flatMap((b) => [...b.keys()]))].sort((a, b) => a - b);
}
