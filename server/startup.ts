import { startJobManager } from "~/server/jobs/start";

/**
 * Opens the database (applying migrations), cleans up imports a crash interrupted, re-attaches to jobs
 * still running and starts queued ones. Idempotent.
 */
export async function startStudio() {
  startJobManager();
}
