import { createReadStream } from "node:fs";
import type { IngestFormat } from "~/lib/contracts/job";
import { readCsv } from "./read-csv";
import { readJsonArray } from "./read-json-array";
import { readJsonl } from "./read-jsonl";
import { readParquet } from "./read-parquet";
import type { RecordSink } from "./sink";

/** Runs the reader for `format` over the file at `path`, streaming it in 1 MiB chunks. */
export function readRecords(
  path: string,
  format: IngestFormat,
  sink: RecordSink,
  opts: { maxRecord: number; onBytes: (bytesDone: number) => void; head?: Buffer },
): Promise<void> {
  if (format === "parquet") return readParquet(path, sink, { onGroup: opts.onBytes });
  const chunks = opts.head ? once(opts.head) : fileChunks(path, opts.onBytes);
  if (format === "alpaca_json") return readJsonArray(chunks, sink, opts.maxRecord);
  if (format === "csv") return readCsv(chunks, sink);
  return readJsonl(chunks, sink, opts.maxRecord);
}

async function* fileChunks(path: string, onBytes: (bytesDone: number) => void): AsyncGenerator<Buffer> {
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    done += (chunk as Buffer).length;
    yield chunk as Buffer;
    onBytes(done);
  }
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}
