import type { Db } from "~/db/client";

export interface LengthHistogram {
  field: "prompt" | "response";
  unit: "chars" | "tokens";
  min: number;
  max: number;
  bins: { start: number; end: number; count: number }[];
}

const COLUMN = { prompt: "prompt_length", response: "response_length" } as const;

/**
 * Equal-width histogram of prompt or response lengths. SQLite counts rows per distinct length by walking the
 * (dataset, length) index in order (no table reads, no sort); the few thousand distinct lengths are binned here.
 */
export function lengthHistogram(db: Db, datasetId: string, field: "prompt" | "response", bins = 40): LengthHistogram {
  const column = COLUMN[field];
  const sqlite = db.$client;
  const unit = (sqlite.prepare("SELECT length_unit FROM datasets WHERE id = ?").pluck().get(datasetId) ?? "chars") as "chars" | "tokens";
  const counts = sqlite
    .prepare(`SELECT ${column} AS len, count(*) AS n FROM dataset_rows INDEXED BY dataset_rows_dataset_${field}_len WHERE dataset_id = ? GROUP BY ${column}`)
    .raw()
    .all(datasetId) as [number, number][];
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
