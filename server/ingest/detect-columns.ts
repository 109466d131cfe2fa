import { stat } from "node:fs/promises";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import { suggestMapping } from "./columns";
import { IngestFileError } from "./errors";
import { readParquet } from "./read-parquet";
import { readRecords } from "./read-records";
import { readHead, sniffFormat } from "./sniff";

const HEAD_BYTES = 256 * 1024;
const SAMPLE_ROWS = 20;

export interface DetectedColumns {
  format: IngestFormat;
  columns: string[];
  mapping: ColumnMapping;
  sample: Record<string, unknown>[];
}

/**
 * What the upload page shows before importing: the format (sniffed unless forced), the columns of the first
 * records, the suggested mapping, and those records. Reads only the first 256 KB (Parquet: the first rows).
 */
export async function detectColumns(path: string, originalName: string, forced?: IngestFormat): Promise<DetectedColumns> {
  const size = (await stat(path)).size;
  if (size === 0) throw new IngestFileError(`${originalName} is empty`);
  const head = await readHead(path, HEAD_BYTES);
  const format = forced ?? sniffFormat(head, originalName);
  const sample: Record<string, unknown>[] = [];
  const sink = {
    record(_at: number, value: unknown) {
      if (sample.length < SAMPLE_ROWS && value && typeof value === "object" && !Array.isArray(value)) {
        sample.push(value as Record<string, unknown>);
      }
    },
    reject() {},
  };
  const partial = size > head.length;
  try {
    if (format === "parquet") await readParquet(path, sink, { maxRows: SAMPLE_ROWS });
    else await readRecords(path, format, sink, { maxRecord: HEAD_BYTES, onBytes: () => {}, head });
  } catch (e) {
    // A head cut mid-array reads as truncated; only a whole file that fails says something.
    if (!(partial && sample.length > 0)) throw e instanceof IngestFileError ? new IngestFileError(`${originalName}: ${e.message}`) : e;
  }
  // The head may end inside the last CSV row.
  if (partial && format === "csv" && sample.length > 1) sample.pop();
  const columns = [...new Set(sample.flatMap((row) => Object.keys(row)))];
  return { format, columns, mapping: suggestMapping(columns), sample };
}
