import { expect, it } from "vitest";
import { MetricLine, metricSeries, type MetricPoint } from "./metric-points";

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
