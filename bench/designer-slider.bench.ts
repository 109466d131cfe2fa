/**
 * The curriculum designer's slider on a 1,000-row dataset: from a ratio slider's arrow key to the counts table
 * showing the new counts, in Debian's Chromium against the built studio (`next start` on .next).
 *  - designer_slider_key_to_counts_ms (p50, p95): keydown's timestamp → the animation frame after the first change
 *    of the resampling table's text (a MutationObserver sees the commit, requestAnimationFrame the next frame).
 *  - designer_slider_long_task_ms (p95, max): the longest main-thread task (PerformanceObserver "longtask",
 *    over 50 ms) during each key; 0 when none.
 * Target: p95 ≤ 100 ms (issue 11.8). The dataset is seeded straight into a fresh data folder (1,000 one-turn
 * rows, hand-labelled round the task types) before the studio starts.
 * Run: bash scripts/build.sh && npx tsx bench/designer-slider.bench.ts [keys=40] [rows=1000] [pause_ms=50]
 * (pause_ms: the wait after each key's frame before the next key; 400 lets each chart redraw finish first).
 * BENCH_TRACE=file.json writes a Chrome trace of the key loop (main-thread tasks with their CPU time and JS
 * samples; open it in Chrome's Performance panel or ui.perfetto.dev). It slows the page: no figures from a traced run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { openDb } from "~/db/client";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { seedDataset } from "~/test/support/seed-dataset";

const keys = Number(process.argv[2] ?? 40);
const rows = Number(process.argv[3] ?? 1000);
const pause = Number(process.argv[4] ?? 50);
const port = 3900 + (process.pid % 90);
const dir = mkdtempSync(join(tmpdir(), "distill-bench-slider-"));

const db = openDb(join(dir, "studio.db"));
seedDataset(db, "bench", rows);
const ids = db.$client.prepare("select id from dataset_rows where dataset_id = 'bench' order by idx").pluck().all() as number[];
const label = db.$client.prepare("insert into row_labels (row_id, dataset_id, label, updated_at) values (?, 'bench', ?, ?)");
db.$client.transaction(() => ids.forEach((id, i) => label.run(id, TASK_TYPES[i % TASK_TYPES.length], Date.now())))();
db.$client.close();

const server = spawn("npx", ["next", "start", "-H", "127.0.0.1", "-p", String(port)], {
  env: { ...process.env, DISTILL_DATA_DIR: dir, HF_HUB_OFFLINE: "1", NEXT_TELEMETRY_DISABLED: "1" },
  stdio: "ignore",
  detached: true,
});
const stop = () => {
  try {
    process.kill(-server.pid!, "SIGTERM");
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
};

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function main() {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (i > 240) throw new Error("next start did not answer in 120 s");
    if (await fetch(base).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/datasets/bench/curriculum`);
    const type = TASK_TYPES[0];
    const slider = page.getByTestId(`ratio-${type}`);
    await slider.waitFor();
    await page.getByTestId(`target-${type}`).waitFor();
    // The page has loaded once the schedule chart is drawn: keys pressed before would measure its first draw.
    await page.locator('[data-testid="schedule-chart"] .recharts-surface').first().waitFor();
    // A string, not a function: tsx's esbuild would name the inner functions with a helper the page lacks.
    await page.evaluate(`(() => {
      const keys = (window.__keys = []);
      document.addEventListener("keydown", (e) => keys.push({ t0: e.timeStamp, done: null, longest: 0 }), { capture: true });
      new MutationObserver(() => {
        const k = keys[keys.length - 1];
        if (!k || k.done != null) return;
        k.done = -1;
        requestAnimationFrame(() => (k.done = performance.now()));
      }).observe(document.querySelector('[data-testid="resample-designer"] table'), { subtree: true, childList: true, characterData: true });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const k = keys.find((x) => entry.startTime + entry.duration >= x.t0 && (x.done == null || x.done < 0 || entry.startTime <= x.done));
          if (k) k.longest = Math.max(k.longest, entry.duration);
        }
      }).observe({ type: "longtask", buffered: false });
    })()`);
    await slider.focus();
    if (process.env.BENCH_TRACE) await browser.startTracing(page, { path: process.env.BENCH_TRACE, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.execute", "disabled-by-default-v8.cpu_profiler", "blink.user_timing"] });
    for (let i = 0; i < keys; i++) {
      // Alternate directions so the ratio stays inside the slider's range.
      await page.keyboard.press(Math.floor(i / 4) % 2 === 0 ? "ArrowRight" : "ArrowLeft");
      // Not waitForFunction: Playwright evaluates its string predicate with eval, which the studio's CSP refuses at times.
      await page.evaluate(`new Promise((ok) => { const check = () => (window.__keys[${i}]?.done > 0 ? ok() : requestAnimationFrame(check)); check(); })`);
      await page.waitForTimeout(pause);
    }
    if (process.env.BENCH_TRACE) await browser.stopTracing();
    const results = (await page.evaluate("window.__keys")) as { t0: number; done: number; longest: number }[];
    const latency = results.map((k) => k.done - k.t0);
    if (process.env.BENCH_VERBOSE) console.error(JSON.stringify(latency.map((v) => Math.round(v))));
    const longest = results.map((k) => k.longest);
    const line = (metric: string, value: number, extra: Record<string, unknown>) => console.log(JSON.stringify({ metric, value: Number(value.toFixed(1)), unit: "ms", rows, keys, pause_ms: pause, ...extra }));
    line("designer_slider_key_to_counts_ms", percentile(latency, 50), { stat: "p50" });
    line("designer_slider_key_to_counts_ms", percentile(latency, 95), { stat: "p95" });
    line("designer_slider_long_task_ms", percentile(longest, 95), { stat: "p95" });
    line("designer_slider_long_task_ms", Math.max(...longest), { stat: "max" });
  } finally {
    await browser.close();
  }
}

main().then(stop, (e) => {
  stop();
  console.error(e);
  process.exit(1);
});
