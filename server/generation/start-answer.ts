import { join } from "node:path";
import { DEFAULT_ANSWER_TEMPLATE, type startAnswerInput } from "~/lib/contracts/generation";
import type { EndpointSpec } from "~/lib/contracts/job";
import type { z } from "zod";
import { connectEndpoint, endpointJobEnv, type EndpointConnection } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines } from "~/server/runs/dataset-split";

/** The response cache every generation job shares, in the data folder (docs/generation.md). */
export function responseCachePath(dataDir: string): string {
  return join(dataDir, "response-cache.sqlite");
}

/** job.json's endpoint: where the job connects now, and the identity its journal and cache keys use. */
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

/** The rows an answer job takes (ids of usable rows) and how its name says which. */
export type RowsToAnswer = { ids: number[]; description: string };

/**
 * Starts an answer job over the given rows of a dataset: job.json names the endpoint's base URL and model but
 * not its key, which the job gets in its environment; the embedded server is held until the job ends.
 */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startAnswerInput>, rows: RowsToAnswer) {
  const { db, dataDir } = manager;
  const connection = await connectEndpoint(db, dataDir, embedded, input.endpointId);
  try {
    const job = await manager.createJob({
      kind: "answer",
      name: `Answer with ${connection.model} (${rows.description})`,
      datasetId: input.datasetId,
      spec: {
        endpoint: jobEndpoint(connection),
        sampling: { temperature: input.temperature, max_tokens: input.maxTokens },
        template: DEFAULT_ANSWER_TEMPLATE,
        cache: responseCachePath(dataDir),
      },
      files: { "data/rows.jsonl": rowLines(db, input.datasetId, rows.ids) },
      lease: { env: endpointJobEnv(connection), release: connection.release },
    });
    return { jobId: job.id };
  } catch (e) {
    connection.release();
    throw e;
  }
}
