import { IngestFileError } from "./errors";
import { formatMb } from "./limits";
import { parseInto, type RecordSink } from "./sink";
import { SpanBuffer } from "./span-buffer";
import { hasBom, invalidUtf8Offset } from "./utf8";

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

function isSpace(b: number): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9;
}

/**
 * Streams the elements of a top-level JSON array without holding the file: a byte scanner tracks strings and
 * nesting and cuts each element out when its depth returns to the array's, then JSON.parse reads it alone
 * (several times faster than token-level streaming parsers). A bad element rejects only itself; a file that
 * is not an array, or is cut off before its closing bracket, fails as a whole.
 */
export async function readJsonArray(chunks: AsyncIterable<Buffer>, sink: RecordSink, maxElement: number): Promise<void> {
  let state: "before" | "between" | "after" = "before";
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let element = 0;
  let elementLine = 1;
  let elementOffset = 0;
  let line = 1;
  let fileOffset = 0; // offset of chunk[0] in the file
  const span = new SpanBuffer(maxElement);
  let inElement = false;

  const emit = (tail: Buffer) => {
    element += 1;
    const bytes = span.take(tail);
    if (bytes === null) {
      sink.reject(element, `element ${element} (line ${elementLine}) is longer than the ${formatMb(maxElement)} record limit`, "", elementLine);
    } else {
      const bad = invalidUtf8Offset(bytes);
      if (bad >= 0) {
        sink.reject(element, `invalid UTF-8 at byte offset ${elementOffset + bad} (line ${elementLine})`, bytes.toString("utf8"), elementLine);
      } else {
        parseInto(sink, element, bytes.toString("utf8"), elementLine);
      }
    }
    inElement = false;
  };

  for await (const chunk of chunks) {
    // A BOM can only open the file; skipping it keeps offsets true to the file.
    const skip = fileOffset === 0 && hasBom(chunk) ? 3 : 0;
    let start = 0; // where the current element begins in this chunk
    const n = chunk.length;
    for (let i = skip; i < n; i++) {
      if (inString) {
        // Jump to the next quote natively; JSON strings hold no raw newlines, so line counting stays exact.
        if (escaped) {
          escaped = false;
          continue;
        }
        const quote = chunk.indexOf(QUOTE, i);
        const end = quote < 0 ? n : quote;
        let backslashes = 0;
        while (end - 1 - backslashes >= i && chunk[end - 1 - backslashes] === BACKSLASH) backslashes++;
        if (quote < 0) {
          escaped = backslashes % 2 === 1;
          i = n;
        } else {
          if (backslashes % 2 === 0) inString = false;
          i = quote;
        }
        continue;
      }
      const b = chunk[i];
      if (b === NEWLINE) line++;
      if (state === "before") {
        if (isSpace(b)) continue;
        if (b !== 91 /* [ */) {
          const what = b === 123 ? "an object" : `"${String.fromCharCode(b)}"`;
          throw new IngestFileError(
            `expected a JSON array of records at the top level, found ${what} at line ${line}` +
              (b === 123 ? " (one JSON object per line is the JSONL format)" : ""),
          );
        }
        state = "between";
        continue;
      }
      if (state === "after") {
        if (!isSpace(b)) throw new IngestFileError(`unexpected data after the closing ] of the array at line ${line}`);
        continue;
      }
      if (!inElement) {
        if (isSpace(b)) continue;
        if (b === 93 /* ] */ && depth === 0) {
          state = "after";
          continue;
        }
        if (b === 44 /* , */) {
          if (element === 0) throw new IngestFileError(`unexpected "," before the first element at line ${line}`);
          continue;
        }
        inElement = true;
        start = i;
        elementLine = line;
        elementOffset = fileOffset + i;
      }
      if (b === QUOTE) inString = true;
      else if (b === 123 || b === 91) depth++;
      else if (b === 125 || b === 93) {
        if (depth === 0) {
          // The array's own "]" ends the last element.
          emit(chunk.subarray(start, i));
          state = "after";
          continue;
        }
        depth--;
      } else if (b === 44 && depth === 0) {
        emit(chunk.subarray(start, i));
      }
    }
    if (inElement) span.add(chunk.subarray(start));
    fileOffset += n;
  }
  if (state === "before") throw new IngestFileError("the file holds no JSON (only whitespace)");
  if (state !== "after") {
    throw new IngestFileError(
      `the JSON array is truncated: the file ends at line ${line}${inElement ? ` inside element ${element + 1} (which starts at line ${elementLine})` : ""} before the closing ]`,
    );
  }
}
