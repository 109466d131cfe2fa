import type Database from "better-sqlite3";

/**
 * The per-length row counts behind the length histograms (dataset_length_counts): the import writes them as it
 * stores rows, a token count rewrites them; server/datasets/histogram.ts reads them.
 */

export type LengthField = "prompt" | "response";

/** Stores how many rows have each length (the import calls this with counts it kept while writing). */
export function storeLengthCounts(sqlite: Database.Database, datasetId: string, field: LengthField, counts: Iterable<[number, number]>) {
  const insert = sqlite.prepare("INSERT INTO dataset_length_counts (dataset_id, field, length, count) VALUES (?, ?, ?, ?)");
  for (const [length, count] of counts) insert.run(datasetId, field, length, count);
}

/** Rows per prompt length and per response length, ascending, from one scan of the dataset's rows. */
export function countLengths(sqlite: Database.Database, datasetId: string): Record<LengthField, [number, number][]> {
  const prompt = new Map<number, number>();
  const response = new Map<number, number>();
  const scan = sqlite.prepare("SELECT prompt_length, response_length FROM dataset_rows WHERE dataset_id = ?").raw();
  for (const [p, r] of scan.iterate(datasetId) as Iterable<[number, number]>) {
    prompt.set(p, (prompt.get(p) ?? 0) + 1);
    response.set(r, (response.get(r) ?? 0) + 1);
  }
  const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);
  return { prompt: sorted(prompt), response: sorted(response) };
}

/** Recounts a dataset's cached length counts from its rows (after its lengths were rewritten). */
export function refreshLengthCounts(sqlite: Database.Database, datasetId: string): Record<LengthField, [number, number][]> {
  const counts = countLengths(sqlite, datasetId);
  sqlite.transaction(() => {
    sqlite.prepare("DELETE FROM dataset_length_counts WHERE dataset_id = ?").run(datasetId);
    for (const field of ["prompt", "response"] as const) storeLengthCounts(sqlite, datasetId, field, counts[field]);
  })();
  return counts;
}
