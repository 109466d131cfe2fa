import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { isGenerationJobKind, jobSpec, type EndpointSpec, type JobSpec } from "~/lib/contracts/job";
import { endpointIdOf } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { jobsWithStatus } from "~/server/jobs/job-row";
import type { JobManager } from "~/server/jobs/manager";
import { resumeGenerationJob } from "./resume-generation";

const STOPPING =
  "The studio restarted while this job ran or waited, and the embedded server it asked stopped with the old studio: the studio is stopping the job to resume it on a freshly started embedded server.";
const RESUMED =
  "The studio restarted while this job ran or waited, and the embedded server it asked stopped with the old studio: the studio stopped the job and resumed it on a freshly started embedded server, asking nothing it had already answered again.";
const resumeFailed = (why: string) =>
  `The studio restarted while this job ran or waited, and the embedded server it asked stopped with the old studio: the studio stopped the job, but resuming it failed (${why}); press Resume to try again.`;
const EVAL_STOPPED =
  "The studio restarted while this evaluation ran or waited, and the embedded server it asked stopped with the old studio, so the studio stopped it: an evaluation does not resume, evaluate again (the response cache serves what it already asked).";

/** The endpoints a job's job.json names: a generation job's teacher, an eval job's model and judge. */
function endpointsOf(spec: JobSpec): EndpointSpec[] {
  if (spec.kind === "answer" || spec.kind === "expand" || spec.kind === "rewrite") return [spec.endpoint];
  if (spec.kind === "eval") return [...(spec.model.type === "endpoint" ? [spec.model.endpoint] : []), ...(spec.judge ? [spec.judge] : [])];
  return [];
}

function asksEmbedded(spec: string): boolean {
  const parsed = jobSpec.safeParse(JSON.parse(spec));
  return parsed.success && endpointsOf(parsed.data).some((e) => endpointIdOf(e.identity) === EMBEDDED_ENDPOINT_ID);
}

/**
 * At start-up, after the jobs left running were re-attached and before queued ones start: a job asking the
 * embedded endpoint lost it with the old studio (the server exits with the process that started it), and would
 * pause forever probing a dead port. Each is stopped (a queued one cancelled at once, before it could start); a generation job is resumed from its journal through the Resume path, which starts the
 * embedded server afresh and holds it for the job's life; an eval job, which does not resume, stays stopped. Its
 * notice says on its pages what happened, or why the resume failed.
 */
export async function resumeJobsThatLostTheEmbeddedServer(manager: JobManager, embedded: EmbeddedServer): Promise<void> {
  // Queued ones too: their job.json names the dead port, and nothing holds the embedded server for them.
  const stranded = [...jobsWithStatus(manager.db, "running"), ...jobsWithStatus(manager.db, "queued")].filter((row) => asksEmbedded(row.spec));
  await Promise.all(
    stranded.map(async (row) => {
      const generation = isGenerationJobKind(row.kind);
      const ended = await manager.interrupt(row.id, generation ? STOPPING : EVAL_STOPPED);
      // It ended by itself meanwhile: what it says of that stands.
      if (ended !== "cancelled") manager.setNotice(row.id, null);
      if (!generation || ended !== "cancelled") return;
      try {
        await resumeGenerationJob(manager, embedded, row.id);
        manager.setNotice(row.id, RESUMED);
      } catch (e) {
        manager.setNotice(row.id, resumeFailed((e as Error).message));
      }
    }),
  );
}
