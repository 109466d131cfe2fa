import { dataDir, getDb, type Db } from "~/db/client";
import { onJobSucceeded } from "~/server/curriculum/on-job-succeeded";
import { cleanupInterruptedImports } from "~/server/ingest/cleanup";
import { JobBus } from "~/server/jobs/bus";
import { JobManager } from "~/server/jobs/manager";

/** What the studio's API works with: the tRPC context and the HTTP routes read it from here. */
export type Studio = { db: Db; jobs: JobManager };

/** On globalThis so that Next dev's module reloads keep one studio (one manager, one tailer per job). */
const globalForStudio = globalThis as unknown as { __distillStudio?: Studio };

/**
 * The composition root: opens the database (applying migrations), builds the event bus and the job manager
 * with its job-completion hook (importing analysis results, demo labels), cleans up imports a crash
 * interrupted, re-attaches to jobs still running and starts queued ones. Called from instrumentation.ts
 * register(); later calls return the same studio.
 */
export function startStudio(): Studio {
  if (globalForStudio.__distillStudio) return globalForStudio.__distillStudio;
  const db = getDb();
  const jobs = new JobManager({ db, dataDir: dataDir(), bus: new JobBus(), onSucceeded: (job) => onJobSucceeded(db, job) });
  const studio = { db, jobs };
  globalForStudio.__distillStudio = studio;
  cleanupInterruptedImports(db);
  jobs.attachRunningJobs();
  jobs.schedule();
  return studio;
}
