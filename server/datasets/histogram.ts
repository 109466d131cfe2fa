import type Database from "better-sqlite3";
import type { Db } from "~/db/client";
import { countLengths, type LengthField, refreshLengthCounts } from "~/server/ingest/length-counts";

export interface LengthHistogram {
  field: LengthField;
  unit: "chars" | "tokens";
  min: number;
  max: number;
  bins: { start: number; end: number; count: number }[];
}

/** Rows per distinct length, ascending: from the cache table, else one scan of the dataset's rows, then cached. */
function lengthCounts(sqlite: Database.Database, datasetId: string, field: LengthField): [number, number][] {
  const cached = sqlite
    .prepare("SELECT length, count FROM dataset_length_counts WHERE dataset_id = ? AND field = ? ORDER BY length")
    .raw()
    .all(datasetId, field) as [number, number][];
  if (cached.length > 0) return cached;
  const status = sqlite.prepare("SELECT status FROM datasets WHERE id = ?").pluck().get(datasetId);
  // Rows of an import still running change under us: count them, but do not cache.
  return (status === "ready" ? refreshLengthCounts(sqlite, datasetId) : countLengths(sqlite, datasetId))[field];
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
