import { formatMb } from "./limits";
import { parseInto, type RecordSink } from "./sink";
import { SpanBuffer } from "./span-buffer";
import { hasBom, invalidUtf8Offset } from "./utf8";

/**
 * Splits JSON Lines on LF (a CR before it is dropped, a leading BOM skipped) and parses each line on its own,
 * so a bad line rejects only itself. A line longer than `maxLine` bytes is rejected without being buffered.
 */
export async function readJsonl(chunks: AsyncIterable<Buffer>, sink: RecordSink, maxLine: number): Promise<void> {
  const span = new SpanBuffer(maxLine);
  let line = 0;
  let offset = 0; // file offset of the current line's first byte

  const finish = (bytes: Buffer | null, length: number) => {
    line += 1;
    const lineStart = offset;
    offset += length + 1;
    if (bytes === null) {
      sink.reject(line, `the line is longer than the ${formatMb(maxLine)} record limit`, "");
      return;
    }
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) end -= 1;
    let start = line === 1 && hasBom(bytes) ? 3 : 0;
    while (start < end && (bytes[start] === 32 || bytes[start] === 9)) start++;
    if (start === end) return;
    const body = bytes.subarray(start, end);
    const bad = invalidUtf8Offset(body);
    if (bad >= 0) {
      sink.reject(line, `invalid UTF-8 at byte offset ${lineStart + start + bad} of the file`, body.toString("utf8"));
      return;
    }
    parseInto(sink, line, body.toString("utf8"));
  };

  let spanLength = 0;
  for await (const chunk of chunks) {
    let pos = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, pos)) {
      const piece = chunk.subarray(pos, nl);
      if (span.empty) finish(piece, piece.length);
      else finish(span.take(piece), spanLength + piece.length);
      spanLength = 0;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      span.add(chunk.subarray(pos));
      spanLength += chunk.length - pos;
    }
  }
  if (!span.empty) finish(span.take(Buffer.alloc(0)), spanLength);
}
