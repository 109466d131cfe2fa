/**
 * The ingest worker: `node --import tsx server/ingest/worker.ts RUN_DIR` (cwd = repo root, DISTILL_DATA_DIR
 * naming the studio's data folder). Reads RUN_DIR/job.json (an ingest job), imports the file into the
 * dataset the studio created, and appends progress/log/done/error events to RUN_DIR/events.jsonl.
 * SIGTERM cancels: the rows written so far are removed and the dataset is marked failed.
 * Exit codes: 0 done, 1 failed, 143 cancelled.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { openDb } from "~/db/client";
import { ingestJob } from "~/lib/contracts/job";
import { IngestCancelled, IngestFileError } from "./errors";
import { BackgroundCheckpointer } from "./checkpointer";
import { EventWriter } from "./event-writer";
import { importDataset } from "./import-dataset";

const PROGRESS_EVERY_MS = 500;

async function main(runDir: string): Promise<number> {
  const events = new EventWriter(join(runDir, "events.jsonl"));
  let checkpointer: BackgroundCheckpointer | null = null;
  let opened: ReturnType<typeof openDb> | null = null;
  let cancelled = false;
  process.on("SIGTERM", () => {
    cancelled = true;
  });
  try {
    const job = ingestJob.parse(JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")));
    const path = resolve(runDir, job.source);
    events.emit({ type: "log", level: "info", message: `importing ${job.original_name} as ${job.format}` });
    const db = openDb();
    opened = db;
    // Keep 32 MB of pages, and leave checkpoints to a second thread, which checkpoints after every batch's
    // commit (a checkpoint fsyncs the WAL and the database: in this thread the import waited for the disk).
    // Should that thread fail, checkpoint here every 64 MB of WAL (a bulk import writes gigabytes).
    db.$client.pragma("cache_size = -32768");
    db.$client.pragma("wal_autocheckpoint = 0");
    checkpointer = new BackgroundCheckpointer(db.$client.name, () => db.$client.pragma("wal_autocheckpoint = 16384"));
    // A checkpoint leaves the WAL file at its largest size unless told otherwise: trim it back to 64 MB.
    db.$client.pragma("journal_size_limit = 67108864");
    let lastProgress = 0;
    const started = Date.now();
    const counts = await importDataset(db, {
      datasetId: job.dataset_id,
      path,
      originalName: job.original_name,
      format: job.format,
      mapping: job.mapping,
      isCancelled: () => cancelled,
      onCommit: () => checkpointer?.request(),
      onProgress(done, total, c) {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_EVERY_MS && done < total) return;
        lastProgress = now;
        const rate = done / Math.max(1, now - started);
        events.emit({
          type: "progress",
          current: done,
          total,
          unit: "bytes",
          eta_s: rate > 0 ? (total - done) / rate / 1000 : null,
          message: `${c.row_count} rows, ${c.rejected_count} rejected, ${c.duplicate_count} duplicates`,
        });
      },
    });
    events.emit({ type: "done", result: { ...counts } });
    return 0;
  } catch (e) {
    if (e instanceof IngestCancelled) {
      events.emit({ type: "error", message: "the import was cancelled; no rows were kept" });
      return 143;
    }
    const known = e instanceof IngestFileError;
    events.emit({
      type: "error",
      message: known ? (e as Error).message : `the import failed: ${(e as Error).message}`,
      ...(known ? {} : { traceback: (e as Error).stack }),
    });
    return 1;
  } finally {
    await checkpointer?.close();
    // The log grew by everything imported (or discarded); empty it, or the file stays that size while the
    // studio runs. Best effort: a reader holding an old snapshot makes SQLite skip the truncation.
    try {
      opened?.$client.pragma("wal_checkpoint(TRUNCATE)");
    } catch (e) {
      console.error(`could not truncate the write-ahead log: ${(e as Error).message}`);
    }
    events.close();
  }
}

const runDir = process.argv[2];
if (!runDir) {
  console.error("usage: node --import tsx server/ingest/worker.ts RUN_DIR");
  process.exit(2);
}
process.exitCode = await main(resolve(runDir));
