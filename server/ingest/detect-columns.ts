import { stat } from "node:fs/promises";
import { asyncBufferFromFile } from "hyparquet";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import { suggestMapping } from "./columns";
import { IngestFileError } from "./errors";
import { fieldProblem } from "./normalize";
import { readParquetHead } from "./read-parquet";
import { readRecords } from "./read-records";
import { readHead, sniffFormat } from "./sniff";

const HEAD_BYTES = 256 * 1024;
const SAMPLE_ROWS = 20;
const PREVIEW_CHARS = 200;

export interface DetectedColumns {
  format: IngestFormat;
  columns: string[];
  mapping: ColumnMapping;
  /**
   * The first records' values as short text, cell i under columns[i] ("" where a record lacks the column). Text
   * rather than the records themselves: keys such as __proto__ or constructor must reach the page as column
   * names, and tRPC's transformer refuses objects that hold them.
   */
  sample: string[][];
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
      // A record nested too deep would be rejected by the import, and could not be previewed.
      if (sample.length < SAMPLE_ROWS && value && typeof value === "object" && !Array.isArray(value) && !fieldProblem(value, Infinity)) {
        sample.push(value as Record<string, unknown>);
      }
    },
    reject() {},
  };
  const partial = size > head.length;
  try {
    if (format === "parquet") await readParquetHead(await asyncBufferFromFile(path), sink, SAMPLE_ROWS);
    else await readRecords(path, format, sink, { maxRecord: HEAD_BYTES, onBytes: () => {}, head });
  } catch (e) {
    // A head cut mid-array reads as truncated; only a whole file that fails says something.
    if (!(partial && sample.length > 0)) throw e instanceof IngestFileError ? new IngestFileError(`${originalName}: ${e.message}`) : e;
  }
  // The head may end inside the last CSV row.
  if (partial && format === "csv" && sample.length > 1) sample.pop();
  const columns = [...new Set(sample.flatMap((row) => Object.keys(row)))];
  const cells = sample.map((row) => columns.map((column) => (Object.hasOwn(row, column) ? preview(row[column]) : "")));
  return { format, columns, mapping: suggestMapping(columns), sample: cells };
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
