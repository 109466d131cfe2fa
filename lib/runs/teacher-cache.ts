import { z } from "zod";
import { type LossName, type ModelRef, teacherCacheJob } from "~/lib/contracts/job";
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

/**
 * What a run gives up by distilling from a top-k cache instead of the live teacher, where bench/README.md measured
 * it to be large; none where it is a few per cent. The cache keeps the mass outside the teacher's top k as one
 * outcome, so the divergence inside it is lost: most at temperatures above 1, where the teacher spreads out, and in
 * reverse KL, which weighs tokens by the student (docs/logit-cache.md).
 */
export function cacheLossCaveats(run: { temperature: number; loss: LossName; topK: number }): string[] {
  const caveats: string[] = [];
  if (run.temperature > 1) {
    caveats.push(
      `At temperature ${run.temperature} the teacher puts more of its mass outside its top ${run.topK}, and the cache keeps only that mass's total: on the embedded teacher at T = 2 and k = 64 the forward KL from a cache was 36 % below the live teacher's.`,
    );
  }
  if (run.loss === "rkl") {
    caveats.push(
      `Reverse KL weighs tokens by the student, and the cache sees only the total the student gives the tokens outside the teacher's top ${run.topK}: on the embedded teacher at k = 64 the reverse KL from a cache was 73 % below the live teacher's.`,
    );
  }
  return caveats;
}
