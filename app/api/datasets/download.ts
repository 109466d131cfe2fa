import type { Db } from "~/db/client";
import { getDataset } from "~/server/datasets/catalog";
import { errorResponse } from "~/server/http/error-response";
import { studio } from "~/server/startup";

const CHUNK_BYTES = 64 * 1024;

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266), safe for any dataset name. */
export function attachment(name: string, suffix: string): string {
  const full = `${name}${suffix}`;
  const ascii = full.replace(/[^\x20-\x7e]/g, "_").replace(/["\\/;:*?<>|]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(full)}`;
}

/**
 * A streamed JSONL download. Lines are pulled from the iterator only as fast as the client reads, a few
 * kilobytes at a time, so an export of any size never sits in memory; a client that goes away stops the query.
 */
export function jsonlResponse(lines: AsyncIterable<string>, disposition: string): Response {
  const iterator = lines[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = "";
      while (chunk.length < CHUNK_BYTES) {
        const next = await iterator.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value.endsWith("\n") ? next.value : `${next.value}\n`;
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": disposition,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

type Dataset = ReturnType<typeof getDataset>;

/**
 * Runs `respond` with the dataset; a failure (404 naming an unknown id, a UserError `respond` throws, an internal
 * error) is answered by errorResponse.
 */
export function withDataset(req: Request, id: string, respond: (db: Db, dataset: Dataset) => Response): Response {
  const { db } = studio();
  try {
    return respond(db, getDataset(db, id));
  } catch (e) {
    return errorResponse(`${req.method} ${new URL(req.url).pathname}`, e);
  }
}
