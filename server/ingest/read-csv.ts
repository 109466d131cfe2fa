import Papa from "papaparse";
import { Readable } from "node:stream";
import { decodeUtf8 } from "./decode-utf8";
import { IngestFileError } from "./errors";
import type { RecordSink } from "./sink";

/** Streams a CSV with a header row through papaparse; each data row is one record keyed by the header. */
export function readCsv(chunks: AsyncIterable<Buffer>, sink: RecordSink): Promise<void> {
  return new Promise((resolve, reject) => {
    let row = 0;
    let sawHeader = false;
    Papa.parse<Record<string, string>>(Readable.from(decodeUtf8(chunks)), {
      header: true,
      skipEmptyLines: "greedy",
      transformHeader: (h) => {
        sawHeader = true;
        return h.trim();
      },
      step(results) {
        row += 1;
        const raw = () => JSON.stringify(results.data);
        const error = results.errors[0];
        if (error) sink.reject(row, `CSV ${error.code}: ${error.message}`, raw().slice(0, 4096));
        else sink.record(row, results.data, raw);
      },
      complete: () => (sawHeader ? resolve() : reject(new IngestFileError("the CSV file has no header row"))),
      error: (e: Error) => reject(e),
    });
  });
}
