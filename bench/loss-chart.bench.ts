/**
 * The run page's chart preparation at scale: a 100,000-step loss series smoothed (EMA, full resolution) and
 * LTTB-downsampled to a 1,100 px chart, as the loss chart does for each of its lines on every live update.
 * Peer: a naive stride decimation to the same point count (what the chart would do without LTTB).
 * Target (2 cores): ≤ 16 ms per line (one animation frame).
 * Run: npx tsx bench/loss-chart.bench.ts [points=100000]
 */
import { chartSeries, type Point } from "~/lib/runs/series";

const n = Number(process.argv[2] ?? 100_000);
const width = 1_100;
const series: Point[] = Array.from({ length: n }, (_, i) => ({ x: i, y: 2 + 8 * Math.exp(-i / 20_000) + Math.sin(i * 12.9898) * 0.5 }));

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
  const step = Math.ceil(points.length / target);
  return points.filter((_, i) => i % step === 0);
}

const ours = median(() => chartSeries(series, 0.6, width));
const peer = median(() => stride(series, width));
const rendered = chartSeries(series, 0.6, width).length;
console.log(JSON.stringify({ metric: "loss_chart_prepare_ms", value: Number(ours.toFixed(2)), unit: "ms", points: n, width, peer: Number(peer.toFixed(2)), ratio: Number((ours / peer).toFixed(2)) }));
console.log(JSON.stringify({ metric: "loss_chart_rendered_points", value: rendered, unit: "points", points: n }));
