import { studioHosts } from "~/server/http/request-guard";
import { startJobManager } from "~/server/jobs/start";

/**
 * Checks DISTILL_ALLOWED_HOSTS, so a bad entry is named in the log at start (requests then fail closed), opens
 * the database (applying migrations), cleans up imports a crash interrupted, re-attaches to jobs
 * still running and starts queued ones. Idempotent.
 */
export async function startStudio() {
  studioHosts(process.env, process.env.PORT ?? "");
  startJobManager();
}
