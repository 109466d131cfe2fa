/**
 * The dataset page's server side at scale: a 1,000,000-row dataset (alpaca_en_demo.json's rows, each made
 * unique by its number) imported by the real ingest code into a fresh SQLite file, then the tRPC procedures the
 * row browser calls (a page of 100 rows at the start, middle and end; one full row; search pages) as median
 * milliseconds, and the streamed Alpaca export route read to the end: its throughput and how far the process's
 * RSS rose while streaming (bounded: the file is never built in memory).
 * Targets (2 cores): any browse page or row ≤ 20 ms; a search page ≤ 100 ms; export RSS rise ≤ 100 MB.
 * Run: npx tsx bench/dataset-browse.bench.ts [rows=1000000]
 */
import { createWriteStream, mkdirSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { importFile, sharedDataset, tempStudio } from "~/test/support/import-file";

const rows = Number(process.argv[2] ?? 1_000_000);
const out = resolve("bench/.out");
mkdirSync(out, { recursive: true });

type Alpaca = { instruction: string; input: string; output: string };
const demo = JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as Alpaca[];

async function generate(path: string, n: number) {
  const stream = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const r = demo[i % demo.length];
    if (!stream.write(`${JSON.stringify({ instruction: `${r.instruction} (#${i})`, input: r.input, output: r.output })}\n`)) {
      await once(stream, "drain");
    }
  }
  stream.end();
  await once(stream, "finish");
}

function emit(metric: string, value: number, unit: string) {
  console.log(JSON.stringify({ metric, value: Number(value.toFixed(3)), unit }));
}

async function medianMs(times: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const studio = tempStudio();
// The export route and the caller use the process-wide studio: point it at the same file.
process.env.DISTILL_DATA_DIR = studio.dir;
const file = join(out, `browse-${rows}.jsonl`);
try {
  await generate(file, rows);
  const { datasetId } = await importFile(studio.db, file, { format: "alpaca_jsonl" });
  rmSync(file);
  const { createCaller } = await import("~/server/api/root");
  const { studio: running } = await import("~/server/startup");
  const caller = createCaller({ ...running(), headers: new Headers() });
  const k = `${Math.round(rows / 1000)}k`;

  for (const [label, offset] of [["start", 0], ["middle", Math.floor(rows / 2)], ["end", rows - 100]] as const) {
    emit(`browse_page_${label}_${k}`, await medianMs(21, () => caller.datasets.rows({ id: datasetId, offset, limit: 100 })), "ms");
  }
  emit(`row_full_${k}`, await medianMs(21, () => caller.datasets.row({ id: datasetId, idx: rows - 1 })), "ms");
  emit(`search_page_first_${k}`, await medianMs(9, () => caller.datasets.search({ id: datasetId, q: "crepes", offset: 0, limit: 100 })), "ms");
  emit(`search_page_common_word_${k}`, await medianMs(9, () => caller.datasets.search({ id: datasetId, q: "the", offset: 0, limit: 100 })), "ms");
  emit(`search_page_deep_${k}`, await medianMs(9, () => caller.datasets.search({ id: datasetId, q: "the", offset: 9_900, limit: 100 })), "ms");

  const { GET } = await import("~/app/api/datasets/[id]/export/route");
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let bytes = 0;
  const started = performance.now();
  const response = await GET(new Request(`http://studio/api/datasets/${datasetId}/export?form=alpaca`), { params: Promise.resolve({ id: datasetId }) });
  const reader = response.body!.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    bytes += chunk.value.byteLength;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  emit(`export_alpaca_${k}_throughput`, bytes / 1048576 / seconds, "MB/s");
  emit(`export_alpaca_${k}_size`, bytes / 1048576, "MB");
  emit(`export_alpaca_${k}_rss_rise`, (peakRss - rssBefore) / 1048576, "MB");
} finally {
  studio.cleanup();
}
