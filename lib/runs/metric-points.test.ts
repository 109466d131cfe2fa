import { expect, it } from "vitest";
import { appendByStep, MetricLine, metricSeries, onePerStep, type MetricPoint } from "./metric-points";

const row = (seq: number, extra: Partial<MetricPoint> = {}): MetricPoint => ({ seq, step: seq * 10, stage: 1, loss: seq, ...extra });
const xy = (l: { xs: Float64Array; ys: Float64Array; length: number }) => Array.from(l.xs.subarray(0, l.length), (x, i) => [x, l.ys[i]]);

it("reads only the rows added since the last update, skipping rows without the metric", () => {
  const metrics = [row(1, { ce_loss: 0.5 }), row(2)];
  const ce = new MetricLine("ce_loss");
  expect(xy(ce.update(metrics))).toEqual([[10, 0.5]]);
  metrics.push(row(3, { ce_loss: 0.25 }), row(4, { ce_loss: Number.NaN }));
  expect(xy(ce.update(metrics))).toEqual([[10, 0.5], [30, 0.25]]);
  expect(xy(ce.update(metrics))).toHaveLength(2);
  expect(xy(metricSeries(metrics, "loss", "tokens_seen"))).toEqual([]);
  expect(xy(metricSeries(metrics, "loss"))).toEqual([[10, 1], [20, 2], [30, 3], [40, 4]]);
});

it("keeps one point per step, a resumed attempt's replacing the earlier attempt's from its first step on", () => {
  const point = (seq: number, step: number) => ({ seq, step, stage: 1, loss: seq });
  // Attempt 1 wrote steps 1-5 and was killed; attempt 2 resumed after the checkpoint at step 3, then a third
  // attempt after a checkpoint at step 4 (before attempt 2 caught up with step 5).
  const stored = [1, 2, 3, 4, 5].map((s) => point(s, s)).concat([point(6, 4)], [point(7, 5), point(8, 6)]);
  expect(onePerStep(stored).map((p) => [p.step, p.seq])).toEqual([[1, 1], [2, 2], [3, 3], [4, 6], [5, 7], [6, 8]]);
  const crashedAgain = [1, 2, 3, 4, 5].map((s) => point(s, s)).concat([point(6, 4)]);
  expect(onePerStep(crashedAgain).map((p) => p.step)).toEqual([1, 2, 3, 4]);
});

it("reads a line again from the start when the rows were cut back by a resumed attempt", () => {
  const metrics = [row(1), row(2), row(3)];
  const loss = new MetricLine("loss");
  expect(xy(loss.update(metrics))).toEqual([[10, 1], [20, 2], [30, 3]]);
  appendByStep(metrics, { seq: 4, step: 20, stage: 1, loss: 4 });
  expect(xy(loss.update(metrics))).toEqual([[10, 1], [20, 4]]);
  appendByStep(metrics, { seq: 5, step: 30, stage: 1, loss: 5 });
  expect(xy(loss.update(metrics))).toEqual([[10, 1], [20, 4], [30, 5]]);
});
