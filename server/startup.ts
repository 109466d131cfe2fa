import { readThreadCount } from "~/db/read-threads";
import { startJobManager } from "~/server/jobs/start";

/**
 * Opens the database (applying migrations), cleans up imports a crash interrupted, re-attaches to jobs
 * still running and starts queued ones. Idempotent.
 */
export async function startStudio() {
  // Read now so that a bad DISTILL_READ_THREADS stops the studio at start, not at its first search.
  readThreadCount();
  startJobManager();
}
