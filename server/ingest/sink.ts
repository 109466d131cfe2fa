/**
 * Where a reader sends what it finds; `at` is the 1-based line (JSONL), element (JSON array) or row (CSV,
 * Parquet), and `line` the line a JSON array's element starts on (the row view names both).
 */
export interface RecordSink {
  record(at: number, value: unknown, raw: string | (() => string), line?: number): void;
  reject(at: number, reason: string, raw: string, line?: number): void;
}

/** Parses one record's text and hands it on, or rejects it with why JSON.parse refused it. */
export function parseInto(sink: RecordSink, at: number, text: string, line?: number): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    sink.reject(at, describeInvalidJson(e, text), text, line);
    return;
  }
  sink.record(at, value, text, line);
}

function describeInvalidJson(error: unknown, text: string): string {
  const message = (error as Error).message;
  const position = /at position (\d+)/.exec(message);
  const atEnd = position !== null && Number(position[1]) >= text.trimEnd().length;
  if (atEnd || /end of (JSON )?input|Unterminated/i.test(message)) return `truncated JSON: the record ends before it is complete (${message})`;
  return `invalid JSON: ${message}`;
}
