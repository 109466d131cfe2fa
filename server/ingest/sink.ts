/** Where a reader sends what it finds; `at` is the 1-based line (JSONL), element (JSON array) or row (CSV, Parquet). */
export interface RecordSink {
  record(at: number, value: unknown, raw: string | (() => string)): void;
  reject(at: number, reason: string, raw: string): void;
}

/** How a reader names a position in its file, for messages. */
export type PositionUnit = "line" | "element" | "row";

/** Parses one record's text and hands it on, or rejects it with why JSON.parse refused it. */
export function parseInto(sink: RecordSink, at: number, text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    sink.reject(at, describeInvalidJson(e, text), text);
    return;
  }
  sink.record(at, value, text);
}

function describeInvalidJson(error: unknown, text: string): string {
  const message = (error as Error).message;
  const position = /at position (\d+)/.exec(message);
  const atEnd = position !== null && Number(position[1]) >= text.trimEnd().length;
  if (atEnd || /end of (JSON )?input|Unterminated/i.test(message)) return `truncated JSON: the record ends before it is complete (${message})`;
  return `invalid JSON: ${message}`;
}
