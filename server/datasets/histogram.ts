import { and, asc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetLengthCounts, datasets } from "~/db/schema";
import { countLengths, type LengthField, refreshLengthCounts } from "~/server/ingest/length-counts";

export interface LengthHistogram {
  field: LengthField;
  unit: "chars" | "tokens";
  min: number;
  max: number;
  bins: { start: number; end: number; count: number }[];
}

/** Rows per distinct length, ascending: from the cache table, else one scan of the dataset's rows, then cached. */
function lengthCounts(db: Db, datasetId: string, status: string | undefined, field: LengthField): [number, number][] {
  const cached = db
    .select({ length: datasetLengthCounts.length, count: datasetLengthCounts.count })
    .from(datasetLengthCounts)
    .where(and(eq(datasetLengthCounts.datasetId, datasetId), eq(datasetLengthCounts.field, field)))
    .orderBy(asc(datasetLengthCounts.length))
    .all();
  if (cached.length > 0) return cached.map((c) => [c.length, c.count]);
  // Rows of an import still running change under us: count them, but do not cache.
  return (status === "ready" ? refreshLengthCounts(db, datasetId) : countLengths(db, datasetId))[field];
}

/** Equal-width histogram of prompt or response lengths over every row of the dataset. */
export function lengthHistogram(db: Db, datasetId: string, field: LengthField, bins = 40): LengthHistogram {
  const dataset = db.select({ unit: datasets.lengthUnit, status: datasets.status }).from(datasets).where(eq(datasets.id, datasetId)).get();
  const unit = dataset?.unit ?? "chars";
  const counts = lengthCounts(db, datasetId, dataset?.status, field);
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
