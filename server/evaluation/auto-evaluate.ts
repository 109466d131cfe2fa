import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobRow } from "~/server/jobs/job-row";
import type { JobManager } from "~/server/jobs/manager";
import { getRun } from "~/server/runs/run-queries";
import { startEvalJob } from "./start-eval";

/**
 * "Evaluate the student when the run ends": run from a train job's succeeded hook, so the job is still running
 * while it queues the eval job (the target is resolved as a finishing run's). A run launched without the option
 * is left alone. A judged suite's judge is connected as for an evaluation started by hand: the embedded server is
 * started if it is the judge (the run is marked succeeded once it answers) and held until the eval job ends.
 */
export async function evaluateFinishedRun(jobs: JobManager, embedded: EmbeddedServer | null, job: JobRow): Promise<string | null> {
  if (job.kind !== "train") return null;
  const settings = getRun(jobs.db, job.id, new Map()).form?.evaluate;
  if (!settings) return null;
  try {
    const { jobId } = await startEvalJob(jobs, embedded, { ...settings, target: { kind: "run_student", runId: job.id } }, { runFinishing: true });
    return jobId;
  } catch (e) {
    // The run itself succeeded: a failure to queue its evaluation must not fail it. The user can start one by hand.
    console.error(`evaluating the student of run ${job.id} when it ended failed: ${(e as Error).message}`);
    return null;
  }
}
