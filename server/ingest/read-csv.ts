import Papa from "papaparse";
import { Readable } from "node:stream";
import { decodeUtf8 } from "./decode-utf8";
import { IngestFileError } from "./errors";
import type { RecordSink } from "./sink";

/**
 * Streams a CSV with a header row through papaparse; each data row is one record keyed by the header. Records
 * have no prototype, so a column named `__proto__` or `constructor` is a column like any other; duplicate
 * names get `_1`, `_2`… A quote never closed swallows the rest of the file into one field: that fails the
 * file, naming the row and line where it opened.
 */
export function readCsv(chunks: AsyncIterable<Buffer>, sink: RecordSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = new LineCounter();
    let header: string[] | null = null;
    let row = 0;
    let rowStart = 0; // offset in the text of the current row's first character
    Papa.parse<string[]>(Readable.from(lines.tap(decodeUtf8(chunks))), {
      skipEmptyLines: "greedy",
      step(results, parser) {
        const start = rowStart;
        rowStart = results.meta.cursor;
        lines.forgetBefore(start);
        // Papaparse falls back to "," when it cannot tell the delimiter (a one-column file): not the row's fault.
        const error = results.errors.find((e) => e.type !== "Delimiter");
        if (error?.code === "MissingQuotes") {
          // Before abort(), which calls complete.
          reject(new IngestFileError(
            `${header ? `row ${row + 1}` : "the header row"} (line ${lines.lineAt(start)}): a quoted field opened there is never closed, so the rest of the file ` +
              `would be read as one field; close the quote (a quote inside a quoted field is written "")`,
          ));
          parser.abort();
          return;
        }
        if (header === null) {
          header = uniqueNames(results.data.map((h) => h.trim()));
          return;
        }
        row += 1;
        const record: Record<string, string> = Object.create(null);
        const fields = results.data;
        for (let i = 0; i < header.length && i < fields.length; i++) record[header[i]] = fields[i];
        const raw = () => JSON.stringify(record);
        if (error) sink.reject(row, `CSV ${error.code}: ${error.message}`, raw().slice(0, 4096));
        else if (fields.length !== header.length) {
          sink.reject(row, `the row has ${fields.length} fields but the header has ${header.length}`, JSON.stringify(fields).slice(0, 4096));
        } else sink.record(row, record, raw);
      },
      complete: () => (header ? resolve() : reject(new IngestFileError("the CSV file has no header row"))),
      error: (e: Error) => reject(e),
    });
  });
}

/** Header names as papaparse would make them unique: a repeated name gets `_1`, `_2`, ... */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 1; seen.has(unique); n++) unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}

/** Counts the lines of the text passing through, so a character offset can be named by its line. */
class LineCounter {
  private chunks: string[] = [];
  private chunksStart = 0; // text offset of chunks[0]
  private linesBefore = 0; // newlines before chunks[0]

  async *tap(source: AsyncIterable<string>): AsyncGenerator<string> {
    for await (const text of source) {
      this.chunks.push(text);
      yield text;
    }
  }

  /** Drops the chunks that end before `offset` (counting their newlines): nothing before it is asked for again. */
  forgetBefore(offset: number): void {
    while (this.chunks.length > 1 && this.chunksStart + this.chunks[0].length <= offset) {
      const text = this.chunks.shift()!;
      this.linesBefore += newlines(text, text.length);
      this.chunksStart += text.length;
    }
  }

  /** 1-based line of the character at `offset` (not before the last forgetBefore). */
  lineAt(offset: number): number {
    let line = this.linesBefore + 1;
    let start = this.chunksStart;
    for (const text of this.chunks) {
      if (offset <= start + text.length) return line + newlines(text, offset - start);
      line += newlines(text, text.length);
      start += text.length;
    }
    return line;
  }
}

function newlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
