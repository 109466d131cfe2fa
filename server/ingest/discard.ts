import type Database from "better-sqlite3";

const DELETE_BATCH = 20_000;

/**
 * Deletes a dataset's rows (their full-text entries go with them, by trigger) and rejects in batches (and its cached length counts) of
 * 20k, each its own transaction, so a million-row cleanup never holds the write lock for long.
 */
export function discardDatasetRows(sqlite: Database.Database, datasetId: string): void {
  const rows = sqlite.prepare(
    "DELETE FROM dataset_rows WHERE id IN (SELECT id FROM dataset_rows WHERE dataset_id = ? LIMIT ?)",
  );
  const rejects = sqlite.prepare(
    "DELETE FROM rejected_rows WHERE id IN (SELECT id FROM rejected_rows WHERE dataset_id = ? LIMIT ?)",
  );
  while (rows.run(datasetId, DELETE_BATCH).changes > 0);
  while (rejects.run(datasetId, DELETE_BATCH).changes > 0);
  sqlite.prepare("DELETE FROM dataset_length_counts WHERE dataset_id = ?").run(datasetId);
}
