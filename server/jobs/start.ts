import { dataDir, getDb } from "~/db/client";
import { onJobSucceeded } from "~/server/curriculum/on-job-succeeded";
import { cleanupInterruptedImports, failEndedImport } from "~/server/ingest/cleanup";
import { JobManager, type JobManagerOptions } from "./manager";

/** What the studio does when jobs end: the feature folders' reactions, passed in so jobs depends on none of them. */
export const studioJobHooks: Pick<JobManagerOptions, "onSucceeded" | "onFailed"> = {
  onSucceeded: (job, db) => onJobSucceeded(db, job),
  onFailed: (job, db) => failEndedImport(db, job),
};

/** On globalThis so that Next dev's module reloads keep one manager (and one tailer per job). */
const globalForJobs = globalThis as unknown as { __distillJobManager?: JobManager };

/**
 * Starts the studio's job manager once per process: removes imports a crash interrupted, re-attaches to jobs
 * still running, and starts queued ones. Called from instrumentation.ts register(); later calls return the
 * same manager. Options are for tests and benchmarks.
 */
export function startJobManager(options?: Partial<JobManagerOptions>): JobManager {
  if (globalForJobs.__distillJobManager) return globalForJobs.__distillJobManager;
  const db = getDb();
  const manager = new JobManager({ db, dataDir: dataDir(), ...studioJobHooks, ...options });
  globalForJobs.__distillJobManager = manager;
  cleanupInterruptedImports(manager.db);
  manager.attachRunningJobs();
  manager.schedule();
  return manager;
}

export function getJobManager(): JobManager {
  return globalForJobs.__distillJobManager ?? startJobManager();
}

/** Forgets the process-wide manager without touching its jobs (tests simulating a studio restart). */
export function stopJobManager(): void {
  globalForJobs.__distillJobManager?.detach();
  globalForJobs.__distillJobManager = undefined;
}
