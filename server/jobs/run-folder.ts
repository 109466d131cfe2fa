import { randomBytes } from "node:crypto";
import { createWriteStream, renameSync, writeFileSync } from "node:fs";
import { copyFile, link, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { jobSpec, type JobKind, type JobSpec } from "~/lib/contracts/job";

/**
 * Content of one file in a new run folder: text or bytes, a stream of chunks (large JSONL), or an existing
 * file to hard-link (copied when linking is impossible), e.g. an upload.
 */
export type RunFile = string | Uint8Array | AsyncIterable<string | Uint8Array> | { from: string };

export const CANCEL_MARKER = "cancel-requested";

/** Sortable and readable in a file browser: kind, UTC time, and randomness against collisions. */
export function newJobId(kind: JobKind, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${kind}-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Completes and validates a job.json: the caller gives the kind-specific fields, the studio the identity. */
export function buildSpec(kind: JobKind, fields: Record<string, unknown>, id: string, createdAt: string): JobSpec {
  const result = jobSpec.safeParse({ ...fields, schema_version: 1, id, kind, created_at: createdAt });
  if (!result.success) throw new Error(`job.json for a ${kind} job is invalid:\n${z.prettifyError(result.error)}`);
  return result.data;
}

function insideRunDir(runDir: string, name: string): string {
  const path = resolve(runDir, name);
  const rel = relative(runDir, path);
  if (isAbsolute(name) || rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new Error(`run folder file "${name}" must be a relative path inside the run folder`);
  }
  return path;
}

async function writeOne(path: string, content: RunFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (typeof content === "string" || content instanceof Uint8Array) return writeFile(path, content);
  if ("from" in content) {
    try {
      return await link(content.from, path);
    } catch {
      return copyFile(content.from, path);
    }
  }
  await pipeline(Readable.from(content), createWriteStream(path));
}

/**
 * Writes a self-contained run folder: the given files first, job.json last and atomically, so a folder with a
 * job.json is always complete.
 */
export async function writeRunFolder(runDir: string, spec: JobSpec, files: Record<string, RunFile>): Promise<void> {
  await mkdir(runDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (name === "job.json") throw new Error(`run folder file "job.json" is written by the studio from the spec`);
    await writeOne(insideRunDir(runDir, name), content);
  }
  writeJobJson(runDir, spec);
}

/** Replaces job.json atomically: a reader sees the old one or the new one, never half of one. */
export function writeJobJson(runDir: string, spec: JobSpec): void {
  const tmp = join(runDir, "job.json.tmp");
  writeFileSync(tmp, `${JSON.stringify(spec, null, 2)}\n`);
  renameSync(tmp, join(runDir, "job.json"));
}
