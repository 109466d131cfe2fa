import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets, jobs } from "~/db/schema";
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
  const stuck = db
    .select({ id: datasets.id, jobStatus: jobs.status, pid: jobs.pid })
    .from(datasets)
    .leftJoin(jobs, eq(jobs.id, datasets.jobId))
    .where(eq(datasets.status, "importing"))
    .all();
  const interrupted = stuck.filter(
    (d) => !(d.jobStatus === "queued" || (d.jobStatus === "running" && processAlive(d.pid))),
  );
  for (const d of interrupted) failImport(db, d.id);
  return interrupted.map((d) => d.id);
}

/** Removes every row an import wrote and marks its dataset failed (the row stays, so the page can say why). */
export function failImport(db: Db, datasetId: string): void {
  discardDatasetRows(db, datasetId);
  db.update(datasets).set({ status: "failed", rowCount: 0, rejectedCount: 0, duplicateCount: 0 }).where(eq(datasets.id, datasetId)).run();
}

/**
 * For the job manager, when an ingest job ended failed or cancelled: a worker that could not clean up after
 * itself (kill -9, out of memory, a crash) left its dataset "importing" with partial rows; fail it now.
 */
export function failEndedImport(db: Db, job: JobRow): void {
  if (job.kind !== "ingest" || !job.datasetId) return;
  const dataset = db.select({ status: datasets.status }).from(datasets).where(eq(datasets.id, job.datasetId)).get();
  if (dataset?.status === "importing") failImport(db, job.datasetId);
}
