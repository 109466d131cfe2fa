import { IngestFileError } from "./errors";
import { completeUtf8Prefix, invalidUtf8Offset } from "./utf8";

/**
 * Decodes a byte stream to text, failing with the byte offset and line of the first invalid UTF-8 sequence
 * (for readers that cannot reject a single record, such as CSV, where one broken byte may hide in any field).
 * A leading BOM is dropped; characters split across chunks are carried to the next one.
 */
export async function* decodeUtf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  let offset = 0;
  let lines = 1;
  for await (const chunk of chunks) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const end = completeUtf8Prefix(buf);
    const body = buf.subarray(0, end);
    const bad = invalidUtf8Offset(body);
    if (bad >= 0) throw invalidAt(body, bad, offset, lines);
    lines += countNewlines(body);
    offset += end;
    carry = end < buf.length ? Buffer.from(buf.subarray(end)) : null;
    const text = body.toString("utf8");
    yield offset === end && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
  if (carry) throw invalidAt(carry, 0, offset, lines);
}

function invalidAt(buf: Buffer, bad: number, offset: number, lines: number): IngestFileError {
  const line = lines + countNewlines(buf.subarray(0, bad));
  return new IngestFileError(`invalid UTF-8 at byte offset ${offset + bad} (line ${line}): the file must be UTF-8 text`);
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
