/**
 * Why some statements stay raw SQL: each one the studio keeps raw for speed (a read of every row of a dataset or
 * of a run's events, a per-row insert loop) against the same statement written with drizzle's query builder.
 * The raw side is the production function where there is one (with what it then does with the rows, so the
 * figures favour drizzle); drizzle's side is written here. Both run on one
 * fresh SQLite file with `rows` seeded rows (and 100,000 metric events), alternating sides over repeats; the
 * median CPU time of each is reported, ratio = raw / drizzle (below 1: raw is faster).
 * Run: npx tsx bench/raw-sql.bench.ts [rows=200000] [repeats=5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, asc, eq, gt, gte, ne, sql } from "drizzle-orm";
import { openDb } from "~/db/client";
import { datasetRows, jobEvents, jobs, rowLabels, rowScores, rowTags, tagResults } from "~/db/schema";
import { onePerStep } from "~/lib/runs/metric-points";
import { rowColumns, scoreComponents } from "~/server/curriculum/results";
import { exportJsonl } from "~/server/datasets/export";
import { storedMessagesJson } from "~/server/ingest/canonical";
import { metricSeries } from "~/server/jobs/job-queries";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { seedDataset } from "~/test/support/seed-dataset";

const rows = Number(process.argv[2] ?? 200_000);
const repeats = Number(process.argv[3] ?? 5);
const k = `${Math.round(rows / 1000)}k`;
const dir = mkdtempSync(join(tmpdir(), "raw-sql-bench-"));
const db = openDb(join(dir, "studio.db"));

seedDataset(db, "d", rows);
const ids = db.select({ id: datasetRows.id }).from(datasetRows).all().map((r) => r.id);
db.insert(tagResults).values({ id: "t", datasetId: "d", jobId: "t", tagger: "bench", rowCount: 0 }).run();
db.insert(jobs).values({ id: "j", kind: "train", status: "succeeded", name: "bench", runDir: dir, spec: "{}" }).run();
const insertEvent = db.insert(jobEvents).values({ jobId: "j", seq: sql.placeholder("seq"), type: "metric", time: sql.placeholder("seq"), data: sql.placeholder("data") }).prepare();
db.transaction(() => {
  for (let seq = 1; seq <= 100_000; seq++) {
    const metric = { seq, type: "metric", time: seq, step: seq, stage: 1, loss: 2, kd_loss: 1.5, ce_loss: 0.5, temperature: 2, tokens_seen: seq * 64 };
    insertEvent.run({ seq, data: JSON.stringify(metric) });
  }
});

function emit(metric: string, value: number, unit: string, peer: { name: string; value: number }) {
  console.log(JSON.stringify({ metric, value: Number(value.toFixed(3)), unit, peer: peer.name, peer_value: Number(peer.value.toFixed(3)), ratio: Number((value / peer.value).toFixed(3)) }));
}

/** CPU milliseconds of this process (SQLite runs in it too): on a machine shared with other work, wall time drifts with their load. */
async function cpuMs(fn: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function compare(metric: string, raw: () => unknown, drizzle: () => unknown) {
  const times = { raw: [] as number[], drizzle: [] as number[] };
  for (let i = 0; i < repeats; i++) {
    const order = i % 2 === 0 ? (["raw", "drizzle"] as const) : (["drizzle", "raw"] as const);
    for (const side of order) times[side].push(await cpuMs(side === "raw" ? raw : drizzle));
  }
  emit(metric, median(times.raw), "cpu_ms", { name: "drizzle", value: median(times.drizzle) });
}

async function drain(lines: AsyncIterable<string>) {
  let chars = 0;
  for await (const line of lines) chars += line.length;
  return chars;
}

const usable = and(eq(datasetRows.datasetId, "d"), eq(datasetRows.isDuplicate, false));

await compare(`usable_row_ids_${k}`, () => usableRowIds(db, "d", { answered: true }), () =>
  db.select({ id: datasetRows.id }).from(datasetRows).where(and(usable, ne(datasetRows.response, ""))).orderBy(asc(datasetRows.idx)).all().map((r) => r.id),
);

await compare(`row_columns_${k}`, () => rowColumns(db, "d", "t", null), () =>
  db
    .select({ id: datasetRows.id, label: sql<string | null>`coalesce(${rowLabels.label}, ${rowTags.label})`, difficulty: rowScores.difficulty, promptOnly: sql<0 | 1>`${datasetRows.response} = ''` })
    .from(datasetRows)
    .leftJoin(rowLabels, eq(rowLabels.rowId, datasetRows.id))
    .leftJoin(rowTags, and(eq(rowTags.rowId, datasetRows.id), eq(rowTags.resultId, "t")))
    .leftJoin(rowScores, and(eq(rowScores.rowId, datasetRows.id), eq(rowScores.resultId, "")))
    .where(usable)
    .orderBy(asc(datasetRows.idx))
    .all(),
);

await compare(`score_components_${k}`, () => scoreComponents(db, "d", "s"), () =>
  db
    .select({ prompt: sql<string>`substr(${datasetRows.prompt}, 1, 160)`, components: rowScores.components })
    .from(datasetRows)
    .leftJoin(rowScores, and(eq(rowScores.rowId, datasetRows.id), eq(rowScores.resultId, "s")))
    .where(usable)
    .orderBy(asc(datasetRows.idx))
    .all(),
);

const field = <T extends number | null>(name: string) => sql<T>`json_extract(${jobEvents.data}, ${`$.${name}`})`;
await compare("metric_series_100k", () => metricSeries(db, "j"), () =>
  onePerStep(
    db
      .select({
        seq: jobEvents.seq,
        step: field<number>("step"),
        stage: field<number>("stage"),
        loss: field<number>("loss"),
        kd_loss: field<number | null>("kd_loss"),
        ce_loss: field<number | null>("ce_loss"),
        temperature: field<number | null>("temperature"),
        tokens_seen: field<number | null>("tokens_seen"),
        time: jobEvents.time,
      })
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, "j"), eq(jobEvents.type, "metric")))
      .orderBy(asc(jobEvents.seq))
      .all(),
  ),
);

// Drizzle's sides are async generators too, yielding as the production ones do (a line, a page of lines).
async function* exportWithDrizzle(): AsyncGenerator<string> {
  const page = db
    .select({ idx: datasetRows.idx, messages: datasetRows.messages, source: datasetRows.source, prompt: datasetRows.prompt, response: datasetRows.response })
    .from(datasetRows)
    .where(and(eq(datasetRows.datasetId, "d"), gte(datasetRows.idx, sql.placeholder("next"))))
    .orderBy(asc(datasetRows.idx))
    .limit(1000)
    .prepare();
  for (let batch = page.all({ next: 0 }); batch.length > 0; batch = page.all({ next: batch.at(-1)!.idx + 1 })) {
    for (const row of batch) yield `{"messages":${storedMessagesJson(row)}}\n`;
  }
}
await compare(`export_messages_${k}`, () => drain(exportJsonl(db, "d", "messages")), () => drain(exportWithDrizzle()));

async function* rowLinesWithDrizzle(rowIds: readonly number[]): AsyncGenerator<string> {
  const page = db
    .select({ id: datasetRows.id, idx: datasetRows.idx, messages: datasetRows.messages, prompt: datasetRows.prompt, response: datasetRows.response })
    .from(datasetRows)
    .where(and(usable, gt(datasetRows.idx, sql.placeholder("after"))))
    .orderBy(asc(datasetRows.idx))
    .limit(1000)
    .prepare();
  const wanted = new Set(rowIds);
  for (let batch = page.all({ after: -1 }); batch.length > 0; batch = page.all({ after: batch.at(-1)!.idx })) {
    yield batch.filter((r) => wanted.has(r.id)).map((r) => `{"id":${JSON.stringify(String(r.id))},"messages":${storedMessagesJson(r)}}\n`).join("");
  }
}
await compare(`row_lines_${k}`, () => drain(rowLines(db, "d", ids)), () => drain(rowLinesWithDrizzle(ids)));

// As server/analysis/import-results.ts stores a tag pass: one insert per row, in one transaction.
const clearTags = () => db.delete(rowTags).where(eq(rowTags.resultId, "t")).run();
await compare(
  `row_tags_insert_${k}`,
  () => {
    clearTags();
    const insert = db.$client.prepare("INSERT INTO row_tags (result_id, row_id, label, confidence) VALUES (?, ?, ?, ?)");
    db.transaction(() => {
      for (const id of ids) insert.run("t", id, "qa", 0.5);
    });
  },
  () => {
    clearTags();
    const insert = db.insert(rowTags).values({ resultId: "t", rowId: sql.placeholder("rowId"), label: "qa", confidence: 0.5 }).prepare();
    db.transaction(() => {
      for (const rowId of ids) insert.run({ rowId });
    });
  },
);

db.$client.close();
rmSync(dir, { recursive: true, force: true });
