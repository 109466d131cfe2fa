import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { and, eq, inArray, like } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets, jobs, teacherCaches } from "~/db/schema";
import { maxPromptLengthOf } from "~/lib/runs/build-spec";
import { teacherCacheBuild, teacherCacheOfRun, TEACHER_CACHE_FOLDER, type TeacherCacheBuild, type TeacherCacheUse } from "~/lib/runs/teacher-cache";
import { Conflict, NotFound } from "~/lib/errors";
import type { JobManager } from "~/server/jobs/manager";
import type { JobRow } from "~/server/jobs/job-row";
import { confineRef, readableRoots } from "./confine-ref";
import { rowLines, usableRowIds } from "./dataset-split";
import { modelRoots } from "./model-roots";
import { formSplit } from "./prepare-launch";
import { cacheProblem, readManifest, teacherCacheRecords, type TeacherCacheRecord } from "./teacher-cache-match";

/**
 * The studio's side of the teacher-logit cache (docs/logit-cache.md): building one with a teacher_cache job in its
 * run folder, recording it when the job succeeds, listing the caches with whether a launch form's run could use
 * each, and deleting one.
 */

/** Queues a teacher_cache job over the dataset's answered rows (or a run's training rows) and records the cache it builds. */
export async function buildTeacherCache(db: Db, manager: JobManager, input: TeacherCacheBuild, roots = modelRoots()): Promise<{ id: string }> {
  const build = teacherCacheBuild.parse(input);
  const teacher = confineRef(build.teacher, readableRoots(db, roots), "teacher");
  const why = "the cache holds the teacher's outputs on answer tokens";
  const rowIds = build.split
    ? formSplit(db, { datasetId: build.datasetId, ...build.split }).trainIds
    : usableRowIds(db, build.datasetId, { answered: true, why });
  const dataset = db.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, build.datasetId)).get();
  const maxPromptLength = maxPromptLengthOf(build.maxLength);
  const job = await manager.createJob({
    kind: "teacher_cache",
    name: `teacher-logit cache · ${dataset?.name ?? build.datasetId} · k ${build.topK}`,
    datasetId: build.datasetId,
    spec: {
      device: build.device,
      teacher,
      data: "data/train.jsonl",
      max_length: build.maxLength,
      max_prompt_length: maxPromptLength,
      top_k: build.topK,
      output: TEACHER_CACHE_FOLDER,
    },
    files: { "data/train.jsonl": rowLines(db, build.datasetId, rowIds) },
  });
  db.insert(teacherCaches)
    .values({ id: job.id, datasetId: build.datasetId, teacher: JSON.stringify(teacher), maxLength: build.maxLength, maxPromptLength, topK: build.topK, rows: rowIds.length })
    .run();
  return { id: job.id };
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** Run when a teacher_cache job succeeds: its manifest's key and token count, and the bytes on disk, into its record. */
export function recordTeacherCache(db: Db, job: Pick<JobRow, "id" | "runDir">): void {
  const dir = join(job.runDir, TEACHER_CACHE_FOLDER);
  const manifest = readManifest(dir);
  db.update(teacherCaches)
    .set({ key: JSON.stringify(manifest.key), tokens: manifest.tokens, bytes: folderBytes(dir), rows: Object.keys(manifest.rows).length })
    .where(eq(teacherCaches.id, job.id))
    .run();
}

export type TeacherCacheOffer = TeacherCacheRecord & { problem: string | null };

/**
 * The caches of the form's dataset, each with why the run the form describes could not use it (null: it can).
 * A form whose teacher path or split the server would refuse gets the refusal as every cache's problem.
 */
export function teacherCacheOffers(db: Db, use: TeacherCacheUse, roots = modelRoots()): TeacherCacheOffer[] {
  const caches = teacherCacheRecords(db, { datasetId: use.datasetId });
  if (caches.length === 0) return [];
  let problem: (cache: TeacherCacheRecord) => string | null;
  try {
    const teacher = confineRef(use.teacher, readableRoots(db, roots), "teacher");
    const trainIds = formSplit(db, use).trainIds;
    problem = (cache) => cacheProblem(db, cache, { datasetId: use.datasetId, teacher, maxLength: use.maxLength, maxPromptLength: maxPromptLengthOf(use.maxLength), trainIds });
  } catch (e) {
    problem = () => (e as Error).message;
  }
  return caches.map((cache) => ({ ...cache, problem: problem(cache) }));
}

/** Deletes a built cache's folder and record; refused while it is being built or a queued or running run reads it. */
export function deleteTeacherCache(db: Db, id: string): void {
  const [cache] = teacherCacheRecords(db, { id });
  if (!cache) throw new NotFound(`teacher-logit cache ${id} does not exist`);
  if (cache.status === "queued" || cache.status === "running") throw new Conflict(`teacher-logit cache ${id} is still being built: cancel its job first`);
  const readers = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, "train"), inArray(jobs.status, ["queued", "running"]), like(jobs.spec, `%"teacher_cache":${JSON.stringify(teacherCacheOfRun(id))}%`)))
    .all();
  if (readers.length) throw new Conflict(`teacher-logit cache ${id} is read by run ${readers.map((r) => r.id).join(", ")}, which is queued or running: wait for it or cancel it first`);
  rmSync(cache.path, { recursive: true, force: true });
  db.delete(teacherCaches).where(eq(teacherCaches.id, id)).run();
}
