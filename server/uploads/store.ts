import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { dataDir } from "~/db/client";
import { NotFound } from "~/lib/errors";

/** Default 2 GiB; DISTILL_MAX_UPLOAD_MB overrides. */
export function maxUploadBytes(): number {
  return Number(process.env.DISTILL_MAX_UPLOAD_MB ?? 2048) * 1024 * 1024;
}

/** Default 24 h; DISTILL_UPLOAD_TTL_HOURS overrides. An upload is imported (and leaves the folder) or removed after this. */
export function uploadTtlMs(): number {
  return Number(process.env.DISTILL_UPLOAD_TTL_HOURS ?? 24) * 3_600_000;
}

export class UploadTooLarge extends Error {}

/** Longest original file name accepted (what file systems allow); it is copied into job.json, events and lists. */
export const MAX_FILE_NAME = 255;

const uploadsDir = () => join(dataDir(), "uploads");
const ID = /^[0-9a-f-]{36}$/;
const ALLOWED_EXT = new Set([".json", ".jsonl", ".ndjson", ".csv", ".parquet", ".txt"]);

/** Extension kept so format sniffing can use it; anything unexpected becomes .bin and is sniffed by content. */
function safeExt(originalName: string): string {
  const ext = extname(originalName).toLowerCase();
  return ALLOWED_EXT.has(ext) ? ext : ".bin";
}

/**
 * Streams an upload to disk, counting bytes as they pass: the file is never held in memory, and one that
 * grows past the limit is cut off and removed. It appears under its final name only when complete.
 */
export async function saveUpload(body: ReadableStream<Uint8Array>, originalName: string, limit = maxUploadBytes()) {
  await mkdir(uploadsDir(), { recursive: true });
  const id = randomUUID();
  const file = `${id}${safeExt(originalName)}`;
  const part = join(uploadsDir(), `${file}.part`);
  let size = 0;
  try {
    await pipeline(upTo(body, limit, (n) => (size += n)), createWriteStream(part));
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
  await rename(part, join(uploadsDir(), file));
  return { uploadId: file, size, originalName };
}

/**
 * The body's chunks while they total at most `limit` bytes. Past it, the rest is read and dropped before
 * UploadTooLarge is thrown: cancelling a request body under `next start` makes its stream throw an uncaught
 * ERR_INVALID_STATE when the next chunk arrives. (A declared Content-Length over the limit is refused before
 * any of this; see tooLargeDeclared.)
 */
async function* upTo(body: ReadableStream<Uint8Array>, limit: number, counted: (bytes: number) => number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (counted(value.byteLength) > limit) {
      while (!(await reader.read()).done);
      throw new UploadTooLarge(tooLarge(limit));
    }
    yield value;
  }
}

/** The refusal for a request whose Content-Length is already over the limit, or null. */
export function tooLargeDeclared(contentLength: string | null, limit = maxUploadBytes()): string | null {
  const declared = Number(contentLength);
  if (!contentLength || !Number.isFinite(declared) || declared <= limit) return null;
  return tooLarge(limit);
}

const tooLarge = (limit: number) => `the file is larger than the ${Math.round(limit / 1048576)} MB upload limit`;

/** Resolves an upload id from the client to its path, refusing anything that is not an id we issued. */
export async function uploadPath(uploadId: string): Promise<string> {
  const ext = extname(uploadId);
  if (!ID.test(uploadId.slice(0, uploadId.length - ext.length)) || !(ALLOWED_EXT.has(ext) || ext === ".bin")) {
    throw new NotFound(`"${uploadId}" is not an upload id`);
  }
  const path = join(uploadsDir(), uploadId);
  await stat(path).catch(() => {
    throw new NotFound(`upload ${uploadId} no longer exists; upload the file again`);
  });
  return path;
}

/**
 * Removes uploads nobody imported within the time to live, and partial ones (`.part`) that stopped growing that
 * long ago (the client went away and the stream never ended). At studio start every partial upload is one a
 * previous process was writing when it stopped, so all go.
 */
export async function sweepUploads(opts: { atStartup?: boolean } = {}): Promise<void> {
  const names = await readdir(uploadsDir()).catch(() => [] as string[]);
  const before = Date.now() - uploadTtlMs();
  for (const name of names) {
    const path = join(uploadsDir(), name);
    const partial = name.endsWith(".part");
    if (opts.atStartup && partial) {
      await rm(path, { force: true });
      continue;
    }
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Infinity }));
    if (mtimeMs < before) await rm(path, { force: true });
  }
}
