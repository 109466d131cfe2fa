/**
 * How fast the curriculum preview follows a slider: previewCounts over 1,000,000 synthetic rows (target
 * ≤ 50 ms), and the full resample() and POCL plan for comparison.
 * Run: npx tsx bench/resample-preview.bench.ts [rows] [repeats]
 */
import { TASK_RATIOS, TASK_TYPES } from "~/lib/contracts/taxonomy";
import { buildTrainPlan, createRng, previewCounts, resample, tapirRatios } from "~/lib/planning";

const rows = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 50);

/** Types drawn with TAPIR's skewed mix (Math and Reasoning 16.7% each, most types 1.7%); 5% unscored rows. */
function syntheticDataset(n: number, seed: number) {
  const rng = createRng(seed);
  const cumulative: number[] = [];
  let sum = 0;
  for (const t of TASK_TYPES) cumulative.push((sum += TASK_RATIOS[t]));
  const types = new Uint8Array(n);
  const difficulty = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = (rng.int(1 << 30) / (1 << 30)) * sum;
    let code = 0;
    while (cumulative[code] <= u) code++;
    types[i] = code;
    difficulty[i] = rng.int(20) === 0 ? Number.NaN : rng.int(1_000_000) / 100_000;
  }
  return { types, difficulty };
}

function timeIt(runs: number, fn: () => void): { median: number; p95: number } {
  for (let i = 0; i < Math.min(3, runs); i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)] };
}

function report(name: string, t: { median: number; p95: number }) {
  console.log(JSON.stringify({ metric: `${name}_median`, value: Number(t.median.toFixed(2)), unit: "ms", rows }));
  console.log(JSON.stringify({ metric: `${name}_p95`, value: Number(t.p95.toFixed(2)), unit: "ms", rows }));
}

const data = syntheticDataset(rows, 1);
const base = { ...data, n: rows, ratios: tapirRatios() };
const split = { ...base, threshold: 5, hardShare: 0.6 };

report("preview_counts", timeIt(repeats, () => previewCounts(base)));
report("preview_counts_hard_share", timeIt(repeats, () => previewCounts(split)));
report("resample_hard_share", timeIt(Math.max(1, Math.floor(repeats / 5)), () => resample({ ...split, seed: 10 })));

const { indices } = resample({ ...split, seed: 10 });
const ids = Array.from(indices, (i) => `row-${i}`);
const scores = Float64Array.from(indices, (i) => data.difficulty[i]);
report("pocl_plan", timeIt(3, () => buildTrainPlan({ ids, scores, schedule: {}, source: "bench" })));
