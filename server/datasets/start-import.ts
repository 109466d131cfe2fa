import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { datasets } from "~/db/schema";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import type { JobManager } from "~/server/jobs/manager";
import type { RunFile } from "~/server/jobs/run-folder";

export type DatasetImport = {
  name: string;
  /** The file name the user knows it by (shown on the dataset, used for format sniffing). */
  originalName: string;
  format: IngestFormat;
  mapping: ColumnMapping;
  /** The file to import, copied or linked into the run folder as `sourceName` (job.json's `source`). */
  from: string;
  sourceName: string;
  /** Other run-folder files the job needs (relative path → content). */
  files?: Record<string, RunFile>;
};

/**
 * Creates the dataset (status "importing") and queues its ingest job; the dataset turns "ready" or "failed"
 * when the job ends. When the job cannot be created, the dataset row goes again and the error is rethrown.
 */
export async function startDatasetImport(manager: JobManager, input: DatasetImport): Promise<{ datasetId: string; jobId: string }> {
  const { db } = manager;
  const { name, originalName, format, mapping, sourceName } = input;
  const datasetId = randomUUID();
  db.insert(datasets).values({ id: datasetId, name, status: "importing", originalName, format }).run();
  try {
    const job = await manager.createJob({
      kind: "ingest",
      name: `Import ${name}`,
      datasetId,
      spec: { dataset_id: datasetId, source: sourceName, original_name: originalName, format, mapping },
      files: { ...input.files, [sourceName]: { from: input.from } },
    });
    db.update(datasets).set({ jobId: job.id }).where(eq(datasets.id, datasetId)).run();
    return { datasetId, jobId: job.id };
  } catch (e) {
    db.delete(datasets).where(eq(datasets.id, datasetId)).run();
    throw e;
  }
}
