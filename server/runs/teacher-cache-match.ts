import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets, jobs, teacherCaches } from "~/db/schema";
import type { JobStatus, ModelRef } from "~/lib/contracts/job";
import { describeModel, TEACHER_CACHE_FOLDER } from "~/lib/runs/teacher-cache";
import { storedMessagesJson } from "~/server/ingest/canonical";
import { LaunchError } from "./confine-ref";
import { storedRowPages } from "./dataset-split";
import { modelIdentity } from "./model-identity";

/**
 * Whether a run may distil from a teacher-logit cache, decided before its job exists, on the parts of the key the
 * trainer checks (trainer/distill/logit_cache.py, docs/logit-cache.md): the teacher, max_length,
 * max_prompt_length, and every row the KD phase trains on being in the cache with the same messages.
 */

/** manifest.json's key: the teacher's identity by content, the chat template's hash, the two lengths. */
export type CacheKey = { teacher: string; chat_template: string; max_length: number; max_prompt_length: number };
type Manifest = { key: CacheKey; top_k: number; tokens: number; rows: Record<string, [hash: string, shard: number, offset: number, count: number]> };

export type TeacherCacheRecord = {
  id: string;
  datasetId: string;
  datasetName: string | null;
  teacher: ModelRef;
  maxLength: number;
  maxPromptLength: number;
  topK: number;
  rows: number;
  tokens: number | null;
  bytes: number | null;
  key: CacheKey | null;
  status: JobStatus;
  error: string | null;
  createdAt: number;
  /** The cache folder (absolute). */
  path: string;
};

/** The caches the studio knows, newest first; `id` narrows them to one. */
export function teacherCacheRecords(db: Db, where: { id?: string; datasetId?: string } = {}): TeacherCacheRecord[] {
  const rows = db
    .select({ cache: teacherCaches, status: jobs.status, error: jobs.error, runDir: jobs.runDir, datasetName: datasets.name })
    .from(teacherCaches)
    .innerJoin(jobs, eq(jobs.id, teacherCaches.id))
    .leftJoin(datasets, eq(datasets.id, teacherCaches.datasetId))
    .where(where.id ? eq(teacherCaches.id, where.id) : where.datasetId ? eq(teacherCaches.datasetId, where.datasetId) : undefined)
    .orderBy(desc(teacherCaches.createdAt))
    .all();
  return rows.map(({ cache, status, error, runDir, datasetName }) => ({
    ...cache,
    datasetName,
    teacher: JSON.parse(cache.teacher) as ModelRef,
    key: cache.key ? (JSON.parse(cache.key) as CacheKey) : null,
    createdAt: cache.createdAt.getTime(),
    status,
    error,
    path: join(runDir, TEACHER_CACHE_FOLDER),
  }));
}

export function readManifest(cacheDir: string): Manifest {
  return JSON.parse(readFileSync(join(cacheDir, "manifest.json"), "utf8")) as Manifest;
}

/**
 * A row's content hash as the trainer computes it (distill.logit_cache.row_hash): SHA-256 of its messages as
 * Python's json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) writes them, whose escapes are
 * JSON.stringify's for strings; the first 16 hex digits.
 */
export function rowHash(messagesJson: string): string {
  const sorted = JSON.stringify(JSON.parse(messagesJson), (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

const sameModel = (a: ModelRef, b: ModelRef) => a.source === b.source && ("path" in a ? a.path : null) === ("path" in b ? b.path : null);

/**
 * A teacher folder matches by content, as the trainer compares it (a copy elsewhere serves, weights changed in place
 * do not); the embedded model and a GGUF by reference.
 */
function teacherProblem(built: ModelRef, builtIdentity: string, teacher: ModelRef): string | null {
  const other = `it holds the outputs of the teacher ${describeModel(built)}, and this run's teacher is ${describeModel(teacher)}`;
  if (teacher.source !== "dir") return sameModel(built, teacher) ? null : other;
  const identity = modelIdentity(teacher.path);
  if (identity === builtIdentity) return null;
  return sameModel(built, teacher)
    ? `the teacher's config or weights in ${teacher.path} changed since it was built (identity ${identity}, the cache's ${builtIdentity}): build it again`
    : other;
}

/** What a run would use the cache with: its teacher (paths confined and real), its lengths, and the rows its KD phase trains on. */
export type CacheUse = { datasetId: string; teacher: ModelRef; maxLength: number; maxPromptLength: number; trainIds: readonly number[] };

/** The rows the cache lacks, or holds another version of; null when it holds them all. */
function rowProblem(db: Db, cache: TeacherCacheRecord, trainIds: readonly number[]): string | null {
  const held = readManifest(cache.path).rows;
  const wanted = new Set(trainIds);
  let missing = 0;
  let changed = 0;
  for (const page of storedRowPages(db, cache.datasetId)) {
    for (const row of page) {
      if (!wanted.has(row.id)) continue;
      wanted.delete(row.id);
      const entry = held[String(row.id)];
      if (!entry) missing++;
      else if (entry[0] !== rowHash(storedMessagesJson(row))) changed++;
    }
  }
  missing += wanted.size; // rows of another dataset
  if (missing) return `it lacks ${missing} of the ${trainIds.length} rows this run distils (it was built over ${cache.rows} rows of its dataset): build one over this run's data`;
  if (changed) return `${changed} of the rows this run distils changed since it was built: build it again`;
  return null;
}

/**
 * Why the run described by `use` cannot distil from `cache`, in a sentence naming the part of the key that
 * differs; null when it can. The chat template is left to the trainer (reading it takes the tokenizer).
 */
export function cacheProblem(db: Db, cache: TeacherCacheRecord, use: CacheUse): string | null {
  if (cache.status !== "succeeded" || !cache.key) {
    return cache.status === "queued" || cache.status === "running" ? "it is still being built" : `its job ${cache.status}: build it again`;
  }
  const teacher = teacherProblem(cache.teacher, cache.key.teacher, use.teacher);
  if (teacher) return teacher;
  if (cache.key.max_length !== use.maxLength) {
    return `it was built with max length ${cache.key.max_length} and this run has ${use.maxLength}: the answer tokens would not line up; set the max length to ${cache.key.max_length} or build one for ${use.maxLength}`;
  }
  if (cache.key.max_prompt_length !== use.maxPromptLength) {
    return `it was built with max prompt length ${cache.key.max_prompt_length} and this run has ${use.maxPromptLength}: build one for this run`;
  }
  if (cache.datasetId !== use.datasetId) return `it was built over the rows of another dataset (${cache.datasetName ?? cache.datasetId})`;
  return rowProblem(db, cache, use.trainIds);
}

/** The cache folder a run may distil from; a LaunchError says which part of the key differs otherwise. */
export function checkTeacherCache(db: Db, cacheId: string, use: CacheUse): string {
  const [cache] = teacherCacheRecords(db, { id: cacheId });
  if (!cache) throw new LaunchError(`teacher-logit cache ${cacheId} does not exist (it may have been deleted); choose another or run the teacher live`);
  const problem = cacheProblem(db, cache, use);
  if (problem) throw new LaunchError(`the teacher-logit cache ${cacheId} cannot serve this run: ${problem}`);
  return cache.path;
}
