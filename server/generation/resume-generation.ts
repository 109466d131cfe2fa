import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { generationJobSpec, isGenerationJobKind } from "~/lib/contracts/job";
import { BadRequest, NotFound } from "~/lib/errors";
import { connectEndpoint, endpointIdOf, endpointJobEnv, endpointJobSpec } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { jobRow } from "~/server/jobs/job-row";
import type { JobManager } from "~/server/jobs/manager";

/**
 * Runs a cancelled, failed or interrupted generation job (answer, expand, rewrite) again in its run folder with
 * --resume: every answer in its journal whose request is unchanged is kept, so only what never came back is
 * asked. The endpoint is connected anew (the key from the key file, the embedded server started and held) and
 * job.json gets its address of now; its identity is what the journal's keys use, so an embedded server on
 * another port does not ask again.
 */
export async function resumeGenerationJob(manager: JobManager, embedded: EmbeddedServer, jobId: string) {
  const row = jobRow(manager.db, jobId);
  if (!row) throw new NotFound(`job ${jobId} does not exist`);
  if (!isGenerationJobKind(row.kind)) throw new BadRequest(`job ${jobId} is a ${row.kind} job, not an answer, expand or rewrite job`);
  const spec = generationJobSpec.parse(JSON.parse(row.spec));
  const endpointId = endpointIdOf(spec.endpoint.identity);
  if (endpointId === null) throw new BadRequest(`${row.kind} job ${jobId} does not say which of the studio's endpoints it used: start a new ${row.kind} job (the cache serves what it answered)`);
  const connection = await connectEndpoint(manager.db, manager.dataDir, embedded, endpointId).catch((e: unknown) => {
    if (e instanceof NotFound && endpointId !== EMBEDDED_ENDPOINT_ID) throw new BadRequest(`the endpoint ${row.kind} job ${jobId} used was deleted: start a new ${row.kind} job with another one`, { cause: e });
    throw e;
  });
  try {
    manager.resume(jobId, { spec: { ...spec, endpoint: endpointJobSpec(connection) }, lease: { env: endpointJobEnv(connection), release: connection.release } });
  } catch (e) {
    connection.release();
    throw e;
  }
  return { status: jobRow(manager.db, jobId)!.status };
}
