import { dataDir, getDb, type Db } from "~/db/client";
import { readThreadCount } from "~/db/read-threads";
import type { JobSpec } from "~/lib/contracts/job";
import { importJobResult } from "~/server/analysis/import-results";
import { applyDemoLabels } from "~/server/curriculum/demo-dataset";
import { EmbeddedServer, embeddedIdleMs } from "~/server/endpoints/embedded-server";
import { evaluateFinishedRun } from "~/server/evaluation/auto-evaluate";
import { importEvaluation } from "~/server/evaluation/import-eval";
import { resumeJobsThatLostTheEmbeddedServer } from "~/server/generation/embedded-after-restart";
import { importAnswers } from "~/server/generation/import-answers";
import { importExpansion } from "~/server/generation/import-expansion";
import { importRewrites } from "~/server/generation/import-rewrites";
import { studioHosts } from "~/server/http/request-guard";
import { recordTeacherCache } from "~/server/runs/teacher-caches";
import { cleanupInterruptedImports, failEndedImport } from "~/server/ingest/cleanup";
import { JobBus } from "~/server/jobs/bus";
import type { JobRow } from "~/server/jobs/job-row";
import { JobManager, type JobManagerOptions } from "~/server/jobs/manager";
import { pipelineJobFailed, pipelineJobSucceeded, startPipelines } from "~/server/pipelines/orchestrator";
import { sweepUploads } from "~/server/uploads/store";

/** What the studio's API works with: the tRPC context and the HTTP routes read it from here. */
export type Studio = { db: Db; jobs: JobManager; embedded: EmbeddedServer };

/**
 * Run by the job manager before it marks a job succeeded, so a page that sees "succeeded" also sees the
 * data: tag/score/lengths outputs go into SQLite, a demo import gets its hand labels, an answer job's answers,
 * an expand job's new rows and a rewrite job's rewrites become a new dataset, an eval job's figures and answers
 * its evaluation's, a teacher_cache job's key and size its cache's record; a train run launched with "evaluate when the run ends" queues its student's evaluation.
 */
async function onJobSucceeded(db: Db, job: JobRow, jobs: JobManager, embedded: EmbeddedServer): Promise<void> {
  const spec = JSON.parse(job.spec) as JobSpec;
  if (spec.kind === "ingest") applyDemoLabels(db, job.runDir, spec.dataset_id);
  else if (spec.kind === "tag" || spec.kind === "score" || spec.kind === "lengths")
    await importJobResult(db, { id: job.id, runDir: job.runDir, datasetId: job.datasetId, spec });
  else if (spec.kind === "answer") await importAnswers(db, job, spec);
  else if (spec.kind === "expand") await importExpansion(db, job, spec);
  else if (spec.kind === "rewrite") await importRewrites(db, job, spec);
  else if (spec.kind === "eval") await importEvaluation(db, job);
  else if (spec.kind === "train") await evaluateFinishedRun(jobs, embedded, job);
  else if (spec.kind === "teacher_cache") recordTeacherCache(db, job);
}

/**
 * What the studio does when jobs end: the feature folders' reactions, passed in so jobs depends on none of them.
 * `embedded` is lent to the jobs a hook starts (a run's evaluation judged by the embedded endpoint).
 */
export function studioJobHooks(embedded: EmbeddedServer): Pick<JobManagerOptions, "onSucceeded" | "onFailed"> {
  return {
    onSucceeded: async (job, db, jobs) => {
      await onJobSucceeded(db, job, jobs, embedded);
      await pipelineJobSucceeded(job, jobs);
    },
    onFailed: (job, db, bus) => {
      failEndedImport(db, job);
      pipelineJobFailed(job, db, bus);
    },
  };
}

/**
 * Takes over from a previous studio process: re-attaches to the jobs it left running, starts queued ones, and
 * stops and resumes on a fresh embedded server those that asked (or were to ask) the embedded server it took with
 * it.
 */
export function takeOverJobs(jobs: JobManager, embedded: EmbeddedServer): Promise<void> {
  jobs.attachRunningJobs();
  // Stops (synchronously) the queued jobs that name the old embedded server before schedule() could start them.
  const resumed = resumeJobsThatLostTheEmbeddedServer(jobs, embedded).catch((e: unknown) => {
    console.error(`resuming the jobs that lost the embedded server failed: ${(e as Error).message}`);
  });
  jobs.schedule();
  return resumed;
}

const SWEEP_EVERY_MS = 3_600_000;

/** On globalThis so that Next dev's module reloads keep one studio (one manager, one tailer per job, one timer). */
const globalForStudio = globalThis as unknown as { __distillStudio?: Studio; __distillUploadSweep?: NodeJS.Timeout };

/**
 * The composition root: opens the database (applying migrations), builds the event bus, the job manager with
 * the job hooks and the embedded endpoint (started on demand; a bad DISTILL_EMBEDDED_IDLE_MS stops the studio
 * here), cleans up imports a crash interrupted, and takes over the jobs (takeOverJobs).
 * Built once per process; every later call returns the same studio.
 */
export function studio(): Studio {
  if (globalForStudio.__distillStudio) return globalForStudio.__distillStudio;
  const db = getDb();
  const repoRoot = process.cwd();
  const embedded = new EmbeddedServer({ repoRoot, idleMs: embeddedIdleMs() });
  const jobs = new JobManager({ db, dataDir: dataDir(), repoRoot, bus: new JobBus(), ...studioJobHooks(embedded) });
  // The embedded llama.cpp server goes with the studio (a SIGKILLed studio: it sees its stdin close and exits).
  process.once("exit", () => embedded.stop());
  const built = { db, jobs, embedded };
  globalForStudio.__distillStudio = built;
  cleanupInterruptedImports(db);
  // Before the jobs are re-attached, so the hooks of jobs that ended while the studio was down find the pipelines;
  // each pipeline then re-derives where it stands from its steps' jobs.
  void startPipelines(built);
  void takeOverJobs(jobs, embedded);
  return built;
}

/**
 * Called from instrumentation.ts register(): checks DISTILL_ALLOWED_HOSTS, so a bad entry is named in the log
 * at start (requests then fail closed), and DISTILL_READ_THREADS, so a bad value is named at start rather than
 * at the first search; builds the studio, and removes partial and expired uploads (then hourly). Idempotent.
 */
export async function startStudio(): Promise<Studio> {
  studioHosts(process.env, process.env.PORT ?? "");
  readThreadCount();
  const started = studio();
  await sweepUploads({ atStartup: true });
  globalForStudio.__distillUploadSweep ??= setInterval(() => {
    sweepUploads().catch((e: unknown) => console.error(`sweeping the uploads folder failed: ${(e as Error).message}`));
  }, SWEEP_EVERY_MS).unref();
  return started;
}
