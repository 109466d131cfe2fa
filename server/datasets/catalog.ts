import { and, desc, eq, getTableColumns } from "drizzle-orm";
import { rmSync } from "node:fs";
import { resolve, sep } from "node:path";
import type { Db } from "~/db/client";
import { datasets, jobs } from "~/db/schema";
import { discardDatasetRows } from "~/server/ingest/discard";
import { BadRequest, Conflict, NotFound } from "~/lib/errors";

export class DatasetNotFound extends NotFound {
  constructor(id: string) {
    super(`dataset ${id} does not exist (it may have been deleted)`);
  }
}

const withError = { ...getTableColumns(datasets), error: jobs.error };

/** Every dataset, newest first, with the error of its import job when that failed. */
export function listDatasets(db: Db) {
  return db.select(withError).from(datasets).leftJoin(jobs, eq(jobs.id, datasets.jobId)).orderBy(desc(datasets.createdAt)).all();
}

export function getDataset(db: Db, id: string) {
  const found = db.select(withError).from(datasets).leftJoin(jobs, eq(jobs.id, datasets.jobId)).where(eq(datasets.id, id)).get();
  if (!found) throw new DatasetNotFound(id);
  return found;
}

export const MAX_NAME_LENGTH = 200;

export function renameDataset(db: Db, id: string, name: string) {
  const trimmed = name.trim();
  if (trimmed === "") throw new BadRequest("a dataset name cannot be empty");
  if (trimmed.length > MAX_NAME_LENGTH) throw new BadRequest(`a dataset name is at most ${MAX_NAME_LENGTH} characters (this one has ${trimmed.length})`);
  const result = db.update(datasets).set({ name: trimmed }).where(eq(datasets.id, id)).run();
  if (result.changes === 0) throw new DatasetNotFound(id);
  return getDataset(db, id);
}

/**
 * Removes a dataset with its rows, full-text entries, rejects and everything hanging off it (tags, scores,
 * curricula cascade). Rows go in batches first so the final delete is small. An import still running must
 * be cancelled first: its worker would keep writing. The copies of the uploaded file in its import jobs' run
 * folders go too: nothing of the data stays on disk (the jobs' logs and events stay).
 */
export function deleteDataset(db: Db, id: string): void {
  const dataset = getDataset(db, id);
  if (dataset.status === "importing") throw new Conflict(`dataset "${dataset.name}" is still importing: cancel the import first`);
  discardDatasetRows(db, id);
  db.delete(datasets).where(eq(datasets.id, id)).run();
  removeSourceCopies(db, id);
}

function removeSourceCopies(db: Db, datasetId: string): void {
  const ingestJobs = db.select({ runDir: jobs.runDir, spec: jobs.spec }).from(jobs).where(and(eq(jobs.datasetId, datasetId), eq(jobs.kind, "ingest"))).all();
  for (const job of ingestJobs) {
    const { source } = JSON.parse(job.spec) as { source?: unknown };
    if (typeof source !== "string") continue;
    const path = resolve(job.runDir, source);
    // job.json was written by the studio, but a run folder is only ever cleaned inside itself.
    if (path.startsWith(resolve(job.runDir) + sep)) rmSync(path, { force: true });
  }
}
