import { dataDir, getDb, type Db } from "~/db/client";
import { readThreadCount } from "~/db/read-threads";
import { onJobSucceeded } from "~/server/curriculum/on-job-succeeded";
import { EmbeddedServer, embeddedIdleMs } from "~/server/endpoints/embedded-server";
import { studioHosts } from "~/server/http/request-guard";
import { cleanupInterruptedImports, failEndedImport } from "~/server/ingest/cleanup";
import { JobBus } from "~/server/jobs/bus";
import { JobManager, type JobManagerOptions } from "~/server/jobs/manager";
import { pipelineJobFailed, pipelineJobSucceeded, startPipelines } from "~/server/pipelines/orchestrator";
import { sweepUploads } from "~/server/uploads/store";

/** What the studio's API works with: the tRPC context and the HTTP routes read it from here. */
export type Studio = { db: Db; jobs: JobManager; embedded: EmbeddedServer };

/** What the studio does when jobs end: the feature folders' reactions, passed in so jobs depends on none of them. */
export const studioJobHooks: Pick<JobManagerOptions, "onSucceeded" | "onFailed"> = {
  onSucceeded: async (job, db, jobs) => {
    await onJobSucceeded(db, job, jobs);
    await pipelineJobSucceeded(job, jobs);
  },
  onFailed: (job, db) => {
    failEndedImport(db, job);
    pipelineJobFailed(job, db);
  },
};

const SWEEP_EVERY_MS = 3_600_000;

/** On globalThis so that Next dev's module reloads keep one studio (one manager, one tailer per job, one timer). */
const globalForStudio = globalThis as unknown as { __distillStudio?: Studio; __distillUploadSweep?: NodeJS.Timeout };

/**
 * The composition root: opens the database (applying migrations), builds the event bus, the job manager with
 * the job hooks and the embedded endpoint (started on demand; a bad DISTILL_EMBEDDED_IDLE_MS stops the studio
 * here), cleans up imports a crash interrupted, re-attaches to jobs still running and starts queued ones.
 * Built once per process; every later call returns the same studio.
 */
export function studio(): Studio {
  if (globalForStudio.__distillStudio) return globalForStudio.__distillStudio;
  const db = getDb();
  const jobs = new JobManager({ db, dataDir: dataDir(), bus: new JobBus(), ...studioJobHooks });
  const embedded = new EmbeddedServer({ repoRoot: jobs.repoRoot, idleMs: embeddedIdleMs() });
  // The embedded llama.cpp server goes with the studio (a SIGKILLed studio: it sees its stdin close and exits).
  process.once("exit", () => embedded.stop());
  const built = { db, jobs, embedded };
  globalForStudio.__distillStudio = built;
  cleanupInterruptedImports(db);
  // Before the jobs are re-attached, so the hooks of jobs that ended while the studio was down find the pipelines;
  // each pipeline then re-derives where it stands from its steps' jobs.
  void startPipelines(built);
  jobs.attachRunningJobs();
  jobs.schedule();
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
