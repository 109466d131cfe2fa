import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { jobEvent, type JobEvent } from "~/lib/contracts/events";
import type { IngestFormat } from "~/lib/contracts/job";
import { createImportingDataset, sharedDataset, tempStudio } from "~/test/support/import-file";

let studio: ReturnType<typeof tempStudio>;
beforeAll(() => {
  studio = tempStudio();
});
afterAll(() => studio.cleanup());

let runs = 0;

const TSX_WORKER = ["--import", "tsx", "server/ingest/worker.ts"];

/** Writes job.json for `file` into a fresh run folder and starts the real worker the way the job manager does. */
function startWorker(file: string, format: IngestFormat, worker = TSX_WORKER) {
  runs += 1;
  const runDir = join(studio.dir, "runs", `run-${runs}`);
  mkdirSync(runDir, { recursive: true });
  const datasetId = createImportingDataset(studio.db, file.split("/").pop()!, format);
  const job = {
    schema_version: 1, id: `job-${runs}`, kind: "ingest", created_at: new Date().toISOString(), dataset_id: datasetId,
    source: relative(runDir, file), original_name: file.split("/").pop(), format, mapping: {},
  };
  writeFileSync(join(runDir, "job.json"), JSON.stringify(job));
  const child = spawn(process.execPath, [...worker, runDir], {
    env: { ...process.env, DISTILL_DATA_DIR: studio.dir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { runDir, datasetId, child, exit };
}

function readEvents(runDir: string): JobEvent[] {
  const events = readFileSync(join(runDir, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => jobEvent.parse(JSON.parse(l)));
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  return events;
}

function datasetState(datasetId: string) {
  const sqlite = studio.db.$client;
  return {
    ...(sqlite.prepare("SELECT status, row_count AS rows, duplicate_count AS duplicates FROM datasets WHERE id = ?").get(datasetId) as object),
    stored: sqlite.prepare("SELECT count(*) FROM dataset_rows WHERE dataset_id = ?").pluck().get(datasetId),
    indexed: sqlite.prepare("SELECT count(*) FROM dataset_rows_fts WHERE dataset_rows_fts MATCH 'crepes'").pluck().get(),
  };
}

describe("ingest worker process", () => {
  it("imports alpaca_en_demo.json and reports progress in bytes, then the counts", async () => {
    const { runDir, datasetId, exit } = startWorker(sharedDataset("alpaca_en_demo.json"), "alpaca_json");
    expect(await exit).toBe(0);
    const events = readEvents(runDir);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ unit: "bytes", current: 859893, total: 859893, message: expect.stringMatching(/^999 rows/) });
    expect(events.at(-1)).toMatchObject({ type: "done", result: { row_count: 999, rejected_count: 0, duplicate_count: 14 } });
    expect(datasetState(datasetId)).toMatchObject({ status: "ready", rows: 999, stored: 999 });
  });

  it("leaves the write-ahead log empty after a large import", async () => {
    const path = join(studio.dir, "wal.jsonl");
    const line = (i: number) => JSON.stringify({ instruction: `wal row ${i} ${"word ".repeat(40)}`, output: "answer ".repeat(40) });
    writeFileSync(path, Array.from({ length: 60_000 }, (_, i) => line(i)).join("\n"));
    const { exit } = startWorker(path, "alpaca_jsonl");
    expect(await exit).toBe(0);
    // Over 64 MB of rows passed through it; a log left at its largest stays on disk as long as the studio runs.
    expect(statSync(`${studio.db.$client.name}-wal`).size).toBe(0);
  });

  it("fails a truncated file with a specific error event and keeps nothing", async () => {
    const path = join(studio.dir, "cut.json");
    const rows = Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ instruction: `crepes ${i}`, output: "ok" }));
    writeFileSync(path, `[${rows.join(",\n")},\n{"instruction": "crep`);
    const { runDir, datasetId, exit } = startWorker(path, "alpaca_json");
    expect(await exit).toBe(1);
    expect(readEvents(runDir).at(-1)).toMatchObject({ type: "error", message: expect.stringMatching(/truncated.*line 12001/) });
    const state = datasetState(datasetId);
    expect(state).toMatchObject({ status: "failed", rows: 0, stored: 0 });
  });

  it("on SIGTERM removes what it wrote, marks the dataset failed and exits 143", async () => {
    const path = join(studio.dir, "many.jsonl");
    const line = (i: number) => JSON.stringify({ instruction: `row ${i} ${"word ".repeat(10)}`, output: "answer ".repeat(10) });
    writeFileSync(path, Array.from({ length: 150_000 }, (_, i) => line(i)).join("\n"));
    const { runDir, datasetId, child, exit } = startWorker(path, "alpaca_jsonl");
    // Wait until rows are being written, then cancel.
    const sqlite = studio.db.$client;
    while ((sqlite.prepare("SELECT count(*) FROM dataset_rows WHERE dataset_id = ?").pluck().get(datasetId) as number) === 0) {
      if (existsSync(join(runDir, "events.jsonl")) && readEvents(runDir).some((e) => e.type === "done")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGTERM");
    expect(await exit).toBe(143);
    expect(readEvents(runDir).at(-1)).toMatchObject({ type: "error", message: expect.stringMatching(/cancelled/) });
    expect(datasetState(datasetId)).toMatchObject({ status: "failed", rows: 0, stored: 0 });
    // The batches it had committed left the full-text index with the rows they removed.
    expect(() => sqlite.prepare("INSERT INTO dataset_rows_fts(dataset_rows_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
  });
});

describe("bundled ingest worker (what a built studio runs)", () => {
  it("imports JSON, CSV and Parquet like the TypeScript worker", async () => {
    // Under node_modules, so that the bundle finds better-sqlite3 as .next/ingest-worker.mjs does.
    const bundle = join("node_modules", ".cache", "distill-ingest-test", `worker-${process.pid}.mjs`);
    const built = spawnSync("bash", ["scripts/build-ingest-worker.sh", bundle], { encoding: "utf8" });
    onTestFinished(() => rmSync(bundle, { force: true }));
    expect(built.stderr).toBe("");
    expect(built.status).toBe(0);
    const json = startWorker(sharedDataset("alpaca_en_demo.json"), "alpaca_json", [bundle]);
    expect(await json.exit).toBe(0);
    expect(readEvents(json.runDir).at(-1)).toMatchObject({ type: "done", result: { row_count: 999, rejected_count: 0, duplicate_count: 14 } });

    const csv = join(studio.dir, "rows.csv");
    writeFileSync(csv, 'instruction,input,output\n"crepes, please",,ok\nsecond,x,"two\nlines"\n');
    const fromCsv = startWorker(csv, "csv", [bundle]);
    expect(await fromCsv.exit).toBe(0);
    expect(datasetState(fromCsv.datasetId)).toMatchObject({ status: "ready", rows: 2, stored: 2 });

    const parquet = join(studio.dir, "rows.parquet");
    const n = 1500;
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: "instruction", data: Array.from({ length: n }, (_, i) => `question ${i}`) },
        { name: "output", data: Array.from({ length: n }, (_, i) => `answer ${i}`) },
      ],
      rowGroupSize: 1000,
    });
    const fromParquet = startWorker(parquet, "parquet", [bundle]);
    expect(await fromParquet.exit).toBe(0);
    expect(datasetState(fromParquet.datasetId)).toMatchObject({ status: "ready", rows: n, stored: n });
  });
});
