/**
 * Search under load, end to end: the studio itself (`next start` on the production build, bench/next-studio.ts)
 * with alpaca_en_demo.json's 999 rows imported by the real ingest code; `clients` loops each send
 * datasets.search requests back to back (a different word each time, as someone typing would) for `seconds`,
 * while one more loop loads the home page `/` back to back. Both latencies' percentiles say whether searches
 * hold the server's event loop: a search that runs on the main thread makes every page wait for it.
 * Peer: the same studio with DISTILL_READ_THREADS=0, i.e. the queries on the main thread as before the read
 * threads; the two sides alternate over `repeats` (each its own `next start`), values are medians over the
 * repeats and `ratio` the median of the per-repeat ratios. The machine's load average is printed with the
 * figures (shared machines).
 * Targets (2 cores): search p95 ≤ 300 ms and `/` p95 ≤ 200 ms with 20 searches at once.
 * Run: npx tsx bench/search-load.bench.ts [clients=20] [seconds=30] [repeats=2]
 */
import { readFileSync } from "node:fs";
import { importFile, sharedDataset, tempStudio } from "~/test/support/import-file";
import { startNextStudio } from "./next-studio";

const clients = Number(process.argv[2] ?? 20);
const seconds = Number(process.argv[3] ?? 30);
const repeats = Number(process.argv[4] ?? 2);
/** Common and rare words of the Alpaca demo set, and two-word queries. */
const WORDS = ["the", "water", "explain", "list", "write a", "describe", "crepes", "how to", "data", "story", "climate change", "best"];

const SIDES = { read_threads: {}, main_thread: { DISTILL_READ_THREADS: "0" } } as const;
type Side = keyof typeof SIDES;
type Figures = { search_p50: number; search_p95: number; home_page_p50: number; home_page_p95: number; requests_per_s: number; loadavg: number };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}
const loadavg = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

/** Requests `url()` back to back until `until`, each latency in ms; a non-2xx answer stops the benchmark. */
async function loop(url: () => string, until: number): Promise<number[]> {
  const ms: number[] = [];
  while (Date.now() < until) {
    const target = url();
    const t = performance.now();
    const response = await fetch(target);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${target} answered ${response.status}`);
    ms.push(performance.now() - t);
  }
  return ms;
}

async function measure(dataDir: string, datasetId: string, side: Side): Promise<Figures> {
  const studio = await startNextStudio(dataDir, SIDES[side]);
  try {
    let n = 0;
    const searchUrl = () => {
      const input = { json: { id: datasetId, q: WORDS[n++ % WORDS.length], offset: 0, limit: 100 } };
      return `${studio.origin}/api/trpc/datasets.search?input=${encodeURIComponent(JSON.stringify(input))}`;
    };
    // Warm up: the first requests load the routes' code and fill caches.
    await loop(() => `${studio.origin}/`, Date.now() + 1_000);
    await loop(searchUrl, Date.now() + 1_000);
    const until = Date.now() + seconds * 1000;
    const [page, ...searches] = await Promise.all([
      loop(() => `${studio.origin}/`, until),
      ...Array.from({ length: clients }, () => loop(searchUrl, until)),
    ]);
    const search = searches.flat().sort((a, b) => a - b);
    const home = page!.sort((a, b) => a - b);
    const figures = {
      search_p50: percentile(search, 50),
      search_p95: percentile(search, 95),
      home_page_p50: percentile(home, 50),
      home_page_p95: percentile(home, 95),
      requests_per_s: (search.length + home.length) / seconds,
      loadavg: loadavg(),
    };
    console.error(`${side}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await studio.close();
  }
}

const temp = tempStudio();
try {
  const { datasetId, counts } = await importFile(temp.db, sharedDataset("alpaca_en_demo.json"));
  const runs: Record<Side, Figures[]> = { read_threads: [], main_thread: [] };
  for (let r = 0; r < repeats; r++) {
    for (const side of (r % 2 === 0 ? ["read_threads", "main_thread"] : ["main_thread", "read_threads"]) as Side[]) {
      runs[side].push(await measure(temp.dir, datasetId, side));
    }
  }
  console.log(JSON.stringify({ metric: "search_load_setup", value: `${counts.row_count} rows, ${clients} concurrent searches + 1 page loader, ${seconds} s × ${repeats} per side`, unit: "" }));
  const units: Record<keyof Figures, string> = { search_p50: "ms", search_p95: "ms", home_page_p50: "ms", home_page_p95: "ms", requests_per_s: "requests/s", loadavg: "" };
  for (const key of Object.keys(units) as (keyof Figures)[]) {
    const value = median(runs.read_threads.map((f) => f[key]));
    const peer = median(runs.main_thread.map((f) => f[key]));
    const ratio = median(runs.read_threads.map((f, i) => f[key] / runs.main_thread[i]![key]));
    console.log(JSON.stringify({ metric: `search_load_${key}`, value: Number(value.toFixed(2)), unit: units[key], peer: "main_thread", peer_value: Number(peer.toFixed(2)), ratio: Number(ratio.toFixed(3)) }));
  }
} finally {
  temp.cleanup();
}
