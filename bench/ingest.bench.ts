/**
 * Ingest speed and memory: the real worker process imports a 52,000-row Alpaca JSON array and a
 * 1,000,000-row JSONL file built from alpaca_en_demo.json's rows (each made unique by its number), into a
 * fresh SQLite file; wall time, rows/s and the worker's peak RSS (from /usr/bin/time). The peer is Hugging
 * Face `datasets.load_dataset("json", ...)` on the same files (fresh cache each time). Then FTS search and
 * the length histogram on the 1M-row dataset.
 * Targets (2 cores): 52k ≤ 3 s; 1M ≤ 60 s at ≤ 600 MB peak RSS; search and histogram ≤ 100 ms.
 * The worker runs as a built studio runs it: bundled by scripts/build-ingest-worker.sh (rebuilt here first).
 * Run: npx tsx bench/ingest.bench.ts [small_rows=52000] [big_rows=1000000]   (needs bench/requirements.txt)
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { openDb } from "~/db/client";
import type { IngestFormat } from "~/lib/contracts/job";
import { lengthHistogram } from "~/server/datasets/histogram";
import { ingestWorkerArgv } from "~/server/jobs/command";
import { searchRows } from "~/server/datasets/search";
import { sharedDataset } from "~/test/support/import-file";

const smallRows = Number(process.argv[2] ?? 52_000);
const bigRows = Number(process.argv[3] ?? 1_000_000);
// The studio's build step for the worker (scripts/build.sh runs it after `next build`).
const built = spawnSync("bash", ["scripts/build-ingest-worker.sh"], { stdio: "inherit" });
if (built.status !== 0) throw new Error("could not bundle the ingest worker");
const out = resolve("bench/.out");
mkdirSync(out, { recursive: true });

type Alpaca = { instruction: string; input: string; output: string };
const demo = JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as Alpaca[];
const rowAt = (i: number): Alpaca => {
  const r = demo[i % demo.length];
  return { instruction: `${r.instruction} (#${i})`, input: r.input, output: r.output };
};

/** Writes `n` rows as a JSON array or JSON Lines, streaming (the 1M file is ~0.9 GB). */
async function generate(path: string, n: number, form: "array" | "lines") {
  const stream = createWriteStream(path);
  const write = async (s: string) => {
    if (!stream.write(s)) await once(stream, "drain");
  };
  if (form === "array") await write("[\n");
  for (let i = 0; i < n; i++) {
    const text = JSON.stringify(rowAt(i));
    await write(form === "array" ? `${i ? ",\n" : ""}${text}` : `${text}\n`);
  }
  if (form === "array") await write("\n]\n");
  stream.end();
  await once(stream, "finish");
}

function emit(metric: string, value: number, unit: string, peer?: { name: string; value: number }) {
  const line: Record<string, unknown> = { metric, value: Number(value.toFixed(3)), unit };
  if (peer) Object.assign(line, { peer: peer.name, peer_value: Number(peer.value.toFixed(3)), ratio: Number((value / peer.value).toFixed(3)) });
  console.log(JSON.stringify(line));
}

/** Runs the real worker under /usr/bin/time against a fresh data folder; returns seconds, peak RSS and the db. */
function runWorker(file: string, format: IngestFormat, dataDir: string) {
  const db = openDb(join(dataDir, "studio.db"));
  db.$client.prepare("INSERT INTO datasets (id, name, status, original_name, format) VALUES ('bench', 'bench', 'importing', ?, ?)").run(file, format);
  db.$client.close();
  const runDir = join(dataDir, "run");
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, "job.json"), JSON.stringify({
    schema_version: 1, id: "bench", kind: "ingest", created_at: new Date().toISOString(), dataset_id: "bench",
    source: file, original_name: file, format, mapping: {},
  }));
  // As a built studio starts it: the bundled worker (built above), not tsx.
  const argv = ingestWorkerArgv(process.cwd(), runDir, { NODE_ENV: "production" });
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "%M %U %S", ...argv], {
    env: { ...process.env, DISTILL_DATA_DIR: dataDir },
    encoding: "utf8",
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`worker failed: ${result.stderr}\n${readFileSync(join(runDir, "events.jsonl"), "utf8").slice(-2000)}`);
  const [maxRssKb, user, sys] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds, peakMb: maxRssKb / 1024, cpuSeconds: user + sys };
}

function hfLoad(file: string): { seconds: number; cpuSeconds: number } {
  const cache = mkdtempSync(join(out, "hf-cache-"));
  try {
    const script = [
      "import resource, time, datasets",
      "cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])",
      "t, c = time.perf_counter(), cpu()",
      `ds = datasets.load_dataset("json", data_files=${JSON.stringify(file)}, split="train")`,
      "print(time.perf_counter() - t, cpu() - c, len(ds))",
    ].join("\n");
    const result = spawnSync(".venv/bin/python", ["-c", script], {
      env: { ...process.env, HF_DATASETS_CACHE: cache, HF_HUB_OFFLINE: "1", HF_DATASETS_OFFLINE: "1" },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`datasets.load_dataset failed: ${result.stderr.slice(-2000)}`);
    const [seconds, cpuSeconds] = result.stdout.trim().split("\n").pop()!.split(" ").map(Number);
    return { seconds, cpuSeconds };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

async function medianMs(runs: number, fn: () => unknown): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function benchFile(label: string, n: number, form: "array" | "lines", keepDb: boolean) {
  const file = join(out, `alpaca_${label}.${form === "array" ? "json" : "jsonl"}`);
  await generate(file, n, form);
  const dataDir = mkdtempSync(join(out, `data-${label}-`));
  const { seconds, peakMb, cpuSeconds } = runWorker(file, form === "array" ? "alpaca_json" : "alpaca_jsonl", dataDir);
  const peer = hfLoad(file);
  const peerName = "hf_datasets_load_dataset_json";
  emit(`ingest_${label}_wall`, seconds, "s", { name: peerName, value: peer.seconds });
  emit(`ingest_${label}_rows_per_s`, n / seconds, "rows/s");
  // CPU time (user + sys) does not grow with other processes' load the way wall time does on a shared machine.
  emit(`ingest_${label}_cpu`, cpuSeconds, "s", { name: peerName, value: peer.cpuSeconds });
  emit(`ingest_${label}_peak_rss`, peakMb, "MB");
  rmSync(file, { force: true });
  if (!keepDb) rmSync(dataDir, { recursive: true, force: true });
  return dataDir;
}

await benchFile(`${Math.round(smallRows / 1000)}k`, smallRows, "array", false);
const bigDir = await benchFile(`${Math.round(bigRows / 1000)}k`, bigRows, "lines", true);

const db = openDb(join(bigDir, "studio.db"));
for (const [label, query] of [["rare", "crepes"], ["two_words", "photosynthesis plants"], ["common", "the"]] as const) {
  emit(`search_${label}_${Math.round(bigRows / 1000)}k`, await medianMs(9, () => searchRows(db, "bench", query, { offset: 0, limit: 50 })), "ms");
}
for (const field of ["prompt", "response"] as const) {
  emit(`histogram_${field}_${Math.round(bigRows / 1000)}k`, await medianMs(9, () => lengthHistogram(db, "bench", field, 40)), "ms");
}
db.$client.close();
rmSync(bigDir, { recursive: true, force: true });
