import { eq, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetLengthCounts } from "~/db/schema";

/**
 * The per-length row counts behind the length histograms (dataset_length_counts): the import writes them as it
 * stores rows, a token count rewrites them; server/datasets/histogram.ts reads them.
 */

export type LengthField = "prompt" | "response";

/** Stores how many rows have each length (the import calls this with counts it kept while writing). */
export function storeLengthCounts(db: Db, datasetId: string, field: LengthField, counts: Iterable<[number, number]>) {
  // One statement run per length: a dataset can have more distinct lengths than one INSERT's bound variables hold.
  const insert = db
    .insert(datasetLengthCounts)
    .values({ datasetId, field, length: sql.placeholder("length"), count: sql.placeholder("count") })
    .prepare();
  for (const [length, count] of counts) insert.run({ length, count });
}

/** Rows per prompt length and per response length, ascending, from one scan of the dataset's rows. */
export function countLengths(db: Db, datasetId: string): Record<LengthField, [number, number][]> {
  const prompt = new Map<number, number>();
  const response = new Map<number, number>();
  // Raw: streams every row of the dataset (up to millions) as arrays; drizzle would hold them all as objects.
  const scan = db.$client.prepare("SELECT prompt_length, response_length FROM dataset_rows WHERE dataset_id = ?").raw();
  for (const [p, r] of scan.iterate(datasetId) as Iterable<[number, number]>) {
    prompt.set(p, (prompt.get(p) ?? 0) + 1);
    response.set(r, (response.get(r) ?? 0) + 1);
  }
  const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);
  return { prompt: sorted(prompt), response: sorted(response) };
}

/** Recounts a dataset's cached length counts from its rows (after its lengths were rewritten). */
export function refreshLengthCounts(db: Db, datasetId: string): Record<LengthField, [number, number][]> {
  const counts = countLengths(db, datasetId);
  db.transaction(() => {
    db.delete(datasetLengthCounts).where(eq(datasetLengthCounts.datasetId, datasetId)).run();
    for (const field of ["prompt", "response"] as const) storeLengthCounts(db, datasetId, field, counts[field]);
  });
  return counts;
}
