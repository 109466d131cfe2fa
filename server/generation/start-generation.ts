import { join } from "node:path";
import { connectEndpoint, endpointJobEnv, endpointJobSpec } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager, NewJob } from "~/server/jobs/manager";

/** The response cache every generation job shares, in the data folder (docs/generation.md). */
export function responseCachePath(dataDir: string): string {
  return join(dataDir, "response-cache.sqlite");
}

/**
 * Starts a generation job against an endpoint: job.json names the endpoint's base URL and model but not its key,
 * which the job gets in its environment; the embedded server is held until the job ends. `job` gives the rest of
 * the job once the endpoint is known (its model may name the job).
 */
export async function startGenerationJob(manager: JobManager, embedded: EmbeddedServer, endpointId: string, job: (model: string) => Omit<NewJob, "lease">) {
  const connection = await connectEndpoint(manager.db, manager.dataDir, embedded, endpointId);
  try {
    const made = job(connection.model);
    const created = await manager.createJob({
      ...made,
      spec: { ...made.spec, endpoint: endpointJobSpec(connection), cache: responseCachePath(manager.dataDir) },
      lease: { env: endpointJobEnv(connection), release: connection.release },
    });
    return { jobId: created.id };
  } catch (e) {
    connection.release();
    throw e;
  }
}
