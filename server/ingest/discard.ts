import { eq, inArray } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetLengthCounts, datasetRows, rejectedRows } from "~/db/schema";

const DELETE_BATCH = 20_000;

/**
 * Deletes a dataset's rows (their full-text entries go with them, by trigger) and rejects in batches (and its cached length counts) of
 * 20k, each its own transaction, so a million-row cleanup never holds the write lock for long.
 */
export function discardDatasetRows(db: Db, datasetId: string): void {
  for (const table of [datasetRows, rejectedRows]) {
    const batch = db
      .delete(table)
      .where(inArray(table.id, db.select({ id: table.id }).from(table).where(eq(table.datasetId, datasetId)).limit(DELETE_BATCH)))
      .prepare();
    while (batch.run().changes > 0);
  }
  db.delete(datasetLengthCounts).where(eq(datasetLengthCounts.datasetId, datasetId)).run();
}
