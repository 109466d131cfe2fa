import type Database from "better-sqlite3";
import type { Db } from "~/db/client";

export type LengthField = "prompt" | "response";

export interface LengthHistogram {
  field: LengthField;
  unit: "chars" | "tokens";
  min: number;
  max: number;
  bins: { start: number; end: number; count: number }[];
}

const COLUMN = { prompt: "prompt_length", response: "response_length" } as const;

/** Stores how many rows have each length (the import calls this with counts it kept while writing). */
export function storeLengthCounts(sqlite: Database.Database, datasetId: string, field: LengthField, counts: Iterable<[number, number]>) {
  const insert = sqlite.prepare("INSERT INTO dataset_length_counts (dataset_id, field, length, count) VALUES (?, ?, ?, ?)");
  for (const [length, count] of counts) insert.run(datasetId, field, length, count);
}

/** Rows per distinct length, ascending: from the cache table, else one scan of the (dataset, length) index, then cached. */
function lengthCounts(sqlite: Database.Database, datasetId: string, field: LengthField): [number, number][] {
  const cached = sqlite
    .prepare("SELECT length, count FROM dataset_length_counts WHERE dataset_id = ? AND field = ? ORDER BY length")
    .raw()
    .all(datasetId, field) as [number, number][];
  if (cached.length > 0) return cached;
  const column = COLUMN[field];
  const counts = sqlite
    .prepare(`SELECT ${column}, count(*) FROM dataset_rows INDEXED BY dataset_rows_dataset_${field}_len WHERE dataset_id = ? GROUP BY ${column}`)
    .raw()
    .all(datasetId) as [number, number][];
  const status = sqlite.prepare("SELECT status FROM datasets WHERE id = ?").pluck().get(datasetId);
  // Rows of an import still running change under us: count them, but do not cache.
  if (status === "ready") sqlite.transaction(() => storeLengthCounts(sqlite, datasetId, field, counts))();
  return counts;
}

/** Equal-width histogram of prompt or response lengths over every row of the dataset. */
export function lengthHistogram(db: Db, datasetId: string, field: LengthField, bins = 40): LengthHistogram {
  const sqlite = db.$client;
  const unit = (sqlite.prepare("SELECT length_unit FROM datasets WHERE id = ?").pluck().get(datasetId) ?? "chars") as "chars" | "tokens";
  const counts = lengthCounts(sqlite, datasetId, field);
  if (counts.length === 0) return { field, unit, min: 0, max: 0, bins: [] };
  const min = counts[0][0];
  const max = counts[counts.length - 1][0];
  const n = Math.max(1, Math.min(Math.floor(bins), max - min + 1));
  const width = (max - min + 1) / n;
  const out = Array.from({ length: n }, (_, i) => ({
    start: Math.round(min + i * width),
    end: Math.round(min + (i + 1) * width),
    count: 0,
  }));
  for (const [len, count] of counts) out[Math.min(n - 1, Math.floor((len - min) / width))].count += count;
  return { field, unit, min, max, bins: out };
}
