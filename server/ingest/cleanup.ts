import type Database from "better-sqlite3";
import type { Db } from "~/db/client";
import type { JobRow } from "~/server/jobs/job-row";
import { discardDatasetRows } from "./discard";

function processAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but is not ours to signal.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * For studio start: a dataset still "importing" whose job is gone, finished, or whose worker process is dead
 * was interrupted (crash, power loss). Its partial rows are removed and it is marked failed. Returns the ids.
 */
export function cleanupInterruptedImports(db: Db): string[] {
  const sqlite = db.$client;
  const stuck = sqlite
    .prepare(
      `SELECT d.id, j.status AS jobStatus, j.pid AS pid FROM datasets d LEFT JOIN jobs j ON j.id = d.job_id
       WHERE d.status = 'importing'`,
    )
    .all() as { id: string; jobStatus: string | null; pid: number | null }[];
  const interrupted = stuck.filter(
    (d) => !(d.jobStatus === "queued" || (d.jobStatus === "running" && processAlive(d.pid))),
  );
  for (const d of interrupted) failImport(sqlite, d.id);
  return interrupted.map((d) => d.id);
}

/** Removes every row an import wrote and marks its dataset failed (the row stays, so the page can say why). */
export function failImport(sqlite: Database.Database, datasetId: string): void {
  discardDatasetRows(sqlite, datasetId);
  sqlite.prepare("UPDATE datasets SET status = 'failed', row_count = 0, rejected_count = 0, duplicate_count = 0 WHERE id = ?").run(datasetId);
}

/**
 * For the job manager, when an ingest job ended failed or cancelled: a worker that could not clean up after
 * itself (kill -9, out of memory, a crash) left its dataset "importing" with partial rows; fail it now.
 */
export function failEndedImport(db: Db, job: JobRow): void {
  if (job.kind !== "ingest" || !job.datasetId) return;
  const status = db.$client.prepare("SELECT status FROM datasets WHERE id = ?").pluck().get(job.datasetId);
  if (status === "importing") failImport(db.$client, job.datasetId);
}
