import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { IngestFileError } from "./errors";
import type { RecordSink } from "./sink";

/**
 * Reads a Parquet file one row group at a time (the unit Parquet compresses in), so memory is bounded by the
 * largest row group rather than the file. `onGroup` reports the bytes of the groups read so far.
 */
export async function readParquet(
  path: string,
  sink: RecordSink,
  opts: { maxRows?: number; onGroup?: (bytesDone: number) => void } = {},
): Promise<void> {
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new IngestFileError(`not a readable Parquet file: ${(e as Error).message}`);
  }
  let rowStart = 0;
  let bytesDone = 0;
  const maxRows = opts.maxRows ?? Infinity;
  for (const group of metadata.row_groups) {
    if (rowStart >= maxRows) return;
    const rowEnd = Math.min(rowStart + Number(group.num_rows), maxRows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) {
      const value = plainValue(rows[i]);
      sink.record(rowStart + i + 1, value, () => JSON.stringify(value));
    }
    bytesDone += Number(group.total_compressed_size ?? group.total_byte_size);
    opts.onGroup?.(bytesDone);
    rowStart = rowEnd;
  }
}

/** Parquet INT64 arrives as BigInt, which JSON cannot hold: numbers in safe range, strings beyond. */
function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
    return out;
  }
  return value;
}
