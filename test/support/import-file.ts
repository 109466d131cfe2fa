import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDb, type Db } from "~/db/client";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import { importDataset } from "~/server/ingest/import-dataset";
import { readHead, sniffFormat } from "~/server/ingest/sniff";

/** The shared real datasets (the repository root's sibling `shared/datasets`), or DISTILL_SHARED_DATASETS. */
export function sharedDataset(name: string): string {
  return join(resolve(process.env.DISTILL_SHARED_DATASETS ?? "../shared/datasets"), name);
}

/** A fresh folder and migrated SQLite file; `cleanup` removes both. */
export function tempStudio(): { dir: string; db: Db; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "distill-ingest-"));
  const db = openDb(join(dir, "studio.db"));
  return {
    dir,
    db,
    cleanup: () => {
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let next = 0;

/** Creates the dataset row the studio makes before starting an import (status "importing"). */
export function createImportingDataset(db: Db, originalName: string, format: string, jobId: string | null = null): string {
  next += 1;
  const id = `ds-${process.pid}-${next}`;
  db.$client
    .prepare("INSERT INTO datasets (id, name, status, original_name, format, job_id) VALUES (?, ?, 'importing', ?, ?, ?)")
    .run(id, originalName, originalName, format, jobId);
  return id;
}

/** Imports a file in-process the way the worker does, sniffing the format unless given. */
export async function importFile(db: Db, path: string, opts: { format?: IngestFormat; mapping?: ColumnMapping; name?: string } = {}) {
  const originalName = opts.name ?? path.split("/").pop()!;
  const format = opts.format ?? sniffFormat(await readHead(path, 65536), originalName);
  const datasetId = createImportingDataset(db, originalName, format);
  const counts = await importDataset(db, { datasetId, path, originalName, format, mapping: opts.mapping ?? {} });
  return { datasetId, format, counts };
}
