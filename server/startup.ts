import { studioHosts } from "~/server/http/request-guard";
import { startJobManager } from "~/server/jobs/start";

/**
 * Checks DISTILL_ALLOWED_HOSTS (a bad entry stops the studio here, named, rather than failing every request),
 * opens the database (applying migrations), cleans up imports a crash interrupted, re-attaches to jobs
 * still running and starts queued ones. Idempotent.
 */
export async function startStudio() {
  studioHosts(process.env, process.env.PORT ?? "");
  startJobManager();
}
