import { join } from "node:path";
import { connectEndpoint, endpointJobEnv, type EndpointConnection } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager, NewJob } from "~/server/jobs/manager";
import type { EndpointSpec } from "~/lib/contracts/job";

/** The response cache every generation job shares, in the data folder (docs/generation.md). */
export function responseCachePath(dataDir: string): string {
  return join(dataDir, "response-cache.sqlite");
}

/**
 * job.json's `endpoint`: where the job connects now, its limits, and the identity its journal and cache keys use
 * (the embedded server's port changes between starts); never its key.
 */
export function jobEndpoint(connection: EndpointConnection): EndpointSpec {
  return {
    base_url: connection.baseUrl,
    identity: connection.identity,
    model: connection.model,
    concurrency: connection.maxConcurrency,
    timeout_s: connection.requestTimeoutS,
    ...(connection.inputPricePerM !== null ? { price_input_per_m: connection.inputPricePerM } : {}),
    ...(connection.outputPricePerM !== null ? { price_output_per_m: connection.outputPricePerM } : {}),
  };
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
      spec: { ...made.spec, endpoint: jobEndpoint(connection), cache: responseCachePath(manager.dataDir) },
      lease: { env: endpointJobEnv(connection), release: connection.release },
    });
    return { jobId: created.id };
  } catch (e) {
    connection.release();
    throw e;
  }
}
