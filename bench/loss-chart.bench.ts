/**
 * The run page's loss chart at scale: 100,000 metric rows, four lines (total, KD and CE loss EMA-smoothed at
 * full resolution, temperature as is), each LTTB-downsampled to a 1,100 px chart.
 *  - loss_chart_prepare_ms: one line from scratch (Point[] → typed arrays → EMA → LTTB), as chartSeries does.
 *  - loss_chart_update_ms: what one live redraw costs the run page: `step` new rows appended to the run
 *    (50 = one second at 50 events/s), then the four MetricLines read them and each line is re-charted
 *    (incremental EMA of the new points, LTTB of the whole line).
 *  - loss_chart_smoothing_ms: the slider moved: the whole chart re-smoothed at a new weight and re-charted.
 * Peer: a naive stride decimation of one line to the same point count (no smoothing, no LTTB).
 * Target (2 cores): ≤ 16 ms per redraw (one animation frame), so live updates never stall the page.
 * Run: npx tsx bench/loss-chart.bench.ts [points=100000] [step=50]
 */
import { MetricLine, type MetricPoint } from "~/lib/runs/metric-points";
import { chartSeries, type Point } from "~/lib/runs/series";

const n = Number(process.argv[2] ?? 100_000);
const step = Number(process.argv[3] ?? 50);
const width = 1_100;
const lossAt = (i: number) => 2 + 8 * Math.exp(-i / 20_000) + Math.sin(i * 12.9898) * 0.5;
const series: Point[] = Array.from({ length: n }, (_, i) => ({ x: i, y: lossAt(i) }));
const row = (i: number): MetricPoint => ({ seq: i + 1, step: i, stage: 1, loss: lossAt(i), kd_loss: lossAt(i) * 0.8, ce_loss: lossAt(i) * 0.2, temperature: 2 });

function median(fn: () => unknown, reps = 15): number {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

function stride(points: Point[], target: number): Point[] {
  const stepBy = Math.ceil(points.length / target);
  return points.filter((_, i) => i % stepBy === 0);
}

/** The loss chart's four lines over `metrics`, as components/runs/run/loss-chart.tsx and SeriesChart use them. */
function lossChart(metrics: MetricPoint[]) {
  const lines = [new MetricLine("loss"), new MetricLine("kd_loss"), new MetricLine("ce_loss"), new MetricLine("temperature")];
  return (smoothing: number) => lines.map((l, i) => l.update(metrics).chart(i === 3 ? 0 : smoothing, width));
}

const ms = (v: number) => Number(v.toFixed(3));
const peer = median(() => stride(series, width));

const prepare = median(() => chartSeries(series, 0.6, width));
console.log(JSON.stringify({ metric: "loss_chart_prepare_ms", value: ms(prepare), unit: "ms", points: n, width, peer: ms(peer), ratio: Number((prepare / peer).toFixed(2)) }));

const metrics = Array.from({ length: n }, (_, i) => row(i));
const chart = lossChart(metrics);
chart(0.6);
const update = median(() => {
  for (let i = 0; i < step; i++) metrics.push(row(metrics.length));
  return chart(0.6);
});
console.log(JSON.stringify({ metric: "loss_chart_update_ms", value: ms(update), unit: "ms", points: n, new_points: step, lines: 4, width, peer: ms(peer), ratio: Number((update / peer).toFixed(2)) }));

let weight = 0.5;
const smoothing = median(() => chart((weight = weight === 0.5 ? 0.6 : 0.5)));
console.log(JSON.stringify({ metric: "loss_chart_smoothing_ms", value: ms(smoothing), unit: "ms", points: metrics.length, lines: 4, width }));
console.log(JSON.stringify({ metric: "loss_chart_rendered_points", value: chartSeries(series, 0.6, width).length, unit: "points", points: n }));
