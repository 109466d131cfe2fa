import { describe, expect, it } from "vitest";
import { BucketLossLines, bucketLossByStage, bucketsIn } from "./bucket-loss";
import { appendByStep, type MetricPoint } from "./metric-points";

const point = (seq: number, stage: number, bucket_loss?: Record<string, number>, step = seq): MetricPoint => ({ seq, step, stage, loss: 1, bucket_loss });
const xy = (l: { xs: Float64Array; ys: Float64Array; length: number }) => Array.from(l.xs.subarray(0, l.length), (x, i) => [x, l.ys[i]]);

describe("BucketLossLines", () => {
  it("gives one line per bucket in bucket order, adding a bucket's line when its first step arrives", () => {
    const metrics = [point(1, 1, { "1": 3 }), point(2, 1, { "1": 2.5 })];
    const lines = new BucketLossLines();
    expect(lines.update(metrics).map((l) => [l.bucket, xy(l.series)])).toEqual([[1, [[1, 3], [2, 2.5]]]]);
    metrics.push(point(3, 2, { "2": 4 }), point(4, 2, { "1": 2, "2": 3.5 }));
    expect(lines.update(metrics).map((l) => [l.bucket, xy(l.series)])).toEqual([
      [1, [[1, 3], [2, 2.5], [4, 2]]],
      [2, [[3, 4], [4, 3.5]]],
    ]);
  });

  it("follows a resumed attempt that supersedes steps, and a plain run has no line", () => {
    const metrics = [point(1, 1, { "1": 3 }), point(2, 1, { "1": 2 }), point(3, 2, { "2": 5 })];
    const lines = new BucketLossLines();
    lines.update(metrics);
    appendByStep(metrics, point(4, 1, { "1": 1.5 }, 2));
    expect(lines.update(metrics).map((l) => [l.bucket, xy(l.series)])).toEqual([
      [1, [[1, 3], [2, 1.5]]],
      [2, []],
    ]);
    expect(new BucketLossLines().update([point(1, 1), point(2, 1)])).toEqual([]);
  });
});

describe("bucketLossByStage", () => {
  it("averages each bucket's loss over the stage's updates that drew from it, per stage, in order", () => {
    const byStage = bucketLossByStage([point(1, 1, { "1": 4 }), point(2, 1, { "1": 2 }), point(3, 2, { "1": 1, "2": 6 }), point(4, 2, { "2": 4 }), point(5, 2)]);
    expect([...byStage].map(([stage, b]) => [stage, [...b]])).toEqual([
      [1, [[1, 3]]],
      [2, [[1, 1], [2, 5]]],
    ]);
    expect(bucketsIn(byStage)).toEqual([1, 2]);
    expect(bucketsIn(bucketLossByStage([point(1, 1)]))).toEqual([]);
  });
});
