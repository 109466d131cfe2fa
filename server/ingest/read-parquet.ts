import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from "hyparquet";
import { IngestFileError } from "./errors";
import type { RecordSink } from "./sink";

/** Bytes read of each column chunk for a preview: enough for the first pages of any sensible writer. */
const HEAD_SLICE = 4 << 20;

async function metadataOf(file: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (e) {
    throw new IngestFileError(`not a readable Parquet file: ${(e as Error).message}`);
  }
}

/**
 * The first `rows` records (of the first row group) for the upload page, reading the footer and only the start of
 * each column chunk: a row group can be hundreds of MB, and previewing must not hold it. Where the first rows
 * do not fit in that start (huge first pages, nested columns read to the end of what was fetched), it reads them
 * with the whole chunks, as the import does.
 */
export async function readParquetHead(file: AsyncBuffer, sink: RecordSink, rows: number): Promise<void> {
  const metadata = await metadataOf(file);
  const rowEnd = Math.min(rows, Number(metadata.row_groups[0]?.num_rows ?? 0));
  if (rowEnd === 0) return;
  const capped: AsyncBuffer = { byteLength: file.byteLength, slice: (start, end) => file.slice(start, Math.min(end ?? file.byteLength, start + HEAD_SLICE)) };
  let head: Record<string, unknown>[];
  try {
    head = await parquetReadObjects({ file: capped, metadata, rowStart: 0, rowEnd, useOffsetIndex: true });
  } catch {
    head = await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd, useOffsetIndex: true });
  }
  head.forEach((row, i) => {
    const value = plainValue(row);
    sink.record(i + 1, value, () => JSON.stringify(value));
  });
}

/**
 * Reads a Parquet file one row group at a time (the unit Parquet compresses in), so memory is bounded by the
 * largest row group rather than the file. `onGroup` reports the bytes of the groups read so far.
 */
export async function readParquet(path: string, sink: RecordSink, opts: { onGroup?: (bytesDone: number) => void } = {}): Promise<void> {
  const file = await asyncBufferFromFile(path);
  const metadata = await metadataOf(file);
  let rowStart = 0;
  let bytesDone = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
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
