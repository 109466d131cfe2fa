import { z } from "zod";
import { type ModelRef, teacherCacheJob } from "~/lib/contracts/job";
import { launchFields } from "./form";

/** k of a cache the studio builds unless told otherwise: the teacher_cache job's default. */
export const DEFAULT_TOP_K: number = teacherCacheJob.shape.top_k.parse(undefined);

/** Where a teacher_cache job writes its cache, inside its run folder (its job.json's `output`). */
export const TEACHER_CACHE_FOLDER = "teacher-cache";

/**
 * A train job's `teacher_cache` for the cache built by job `cacheId`: relative to the train run's folder, since
 * every run folder lies in the same runs/ folder, so a data folder moved or shared between machines keeps it.
 */
export function teacherCacheOfRun(cacheId: string): string {
  return `../${cacheId}/${TEACHER_CACHE_FOLDER}`;
}

/**
 * Building a cache from the launch form: its teacher, dataset and max length (max_prompt_length follows as a
 * run's does), k, the device; with `split`, only the training rows of that split (the run's), else every
 * answered row of the dataset, which any run on it can then use.
 */
export const teacherCacheBuild = z.object({
  datasetId: launchFields.shape.datasetId,
  teacher: launchFields.shape.teacher,
  maxLength: launchFields.shape.maxLength,
  topK: teacherCacheJob.shape.top_k,
  device: launchFields.shape.device,
  split: launchFields.pick({ evalSize: true, trainSamples: true, seed: true }).nullable().default(null),
});
export type TeacherCacheBuild = z.input<typeof teacherCacheBuild>;

/** What the launch form asks to see the caches a run could use: the fields a cache's key and rows depend on. */
export const teacherCacheUse = launchFields.pick({ datasetId: true, teacher: true, maxLength: true, evalSize: true, trainSamples: true, seed: true });
export type TeacherCacheUse = z.infer<typeof teacherCacheUse>;

/** A model reference in words: a cache's teacher in its table and in the refusals. */
export function describeModel(ref: ModelRef): string {
  return ref.source === "embedded" ? "the embedded SmolLM2-135M-Instruct" : `${ref.source === "dir" ? "the folder" : "the GGUF file"} ${ref.path}`;
}
