import { studioHosts } from "~/server/http/request-guard";
import { startJobManager } from "~/server/jobs/start";
import { sweepUploads } from "~/server/uploads/store";

const SWEEP_EVERY_MS = 3_600_000;

/**
 * Checks DISTILL_ALLOWED_HOSTS, so a bad entry is named in the log at start (requests then fail closed), opens
 * the database (applying migrations), cleans up imports a crash interrupted, re-attaches to jobs still running
 * and starts queued ones, and removes partial and expired uploads (then hourly). Idempotent.
 */
export async function startStudio() {
  studioHosts(process.env, process.env.PORT ?? "");
  startJobManager();
  await sweepUploads({ atStartup: true });
  globalForSweep.__distillUploadSweep ??= setInterval(() => {
    sweepUploads().catch((e: unknown) => console.error(`sweeping the uploads folder failed: ${(e as Error).message}`));
  }, SWEEP_EVERY_MS).unref();
}

/** One timer per process, whatever Next's module reloads do. */
const globalForSweep = globalThis as unknown as { __distillUploadSweep?: NodeJS.Timeout };
