import { open } from "node:fs/promises";
import { extname } from "node:path";
import type { IngestFormat } from "~/lib/contracts/job";
import { IngestFileError } from "./errors";
import { hasBom } from "./utf8";

const CONVERSATION_KEYS = /"(messages|conversations|conversation|turns|dialog|dialogue)"\s*:/;

export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Picks the format from the first bytes, with the extension as a tie-breaker: Parquet by its magic, a JSON
 * array by "[", JSON Lines by "{" (conversations when the first record has a messages-like key), else CSV.
 * Binary content (a NUL byte) and empty files are refused here with the reason.
 */
export function sniffFormat(head: Buffer, originalName: string): IngestFormat {
  if (head.subarray(0, 4).toString("latin1") === "PAR1") return "parquet";
  const ext = extname(originalName).toLowerCase();
  if (ext === ".parquet") throw new IngestFileError("the file is named .parquet but does not start with the Parquet magic bytes PAR1");
  const nul = head.indexOf(0);
  if (nul >= 0) throw new IngestFileError(`the file holds binary data (a NUL byte at offset ${nul}), not text`);
  const text = (hasBom(head) ? head.subarray(3) : head).toString("utf8");
  const start = text.search(/\S/);
  if (start < 0) throw new IngestFileError("the file is empty");
  const firstChar = text[start];
  if (firstChar === "[") return "alpaca_json";
  if (firstChar === "{") {
    const firstLine = text.slice(start, text.indexOf("\n", start) >>> 0);
    return CONVERSATION_KEYS.test(firstLine) ? "messages_jsonl" : "alpaca_jsonl";
  }
  if (ext === ".json" || ext === ".jsonl" || ext === ".ndjson") {
    throw new IngestFileError(`the file is named ${ext} but is not JSON: it starts with ${JSON.stringify(text.slice(start, start + 20))}`);
  }
  return "csv";
}
