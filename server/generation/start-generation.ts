import { join } from "node:path";
import { DEFAULT_ANSWER_TEMPLATE, type startAnswerInput } from "~/lib/contracts/generation";
import type { z } from "zod";
import { connectEndpoint, endpointJobEnv } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";

/** The response cache every generation job shares, in the data folder (docs/generation.md). */
export function responseCachePath(dataDir: string): string {
  return join(dataDir, "response-cache.sqlite");
}

/**
 * Starts an answer job over a dataset's usable rows: job.json names the endpoint's base URL and model but not
 * its key, which the job gets in its environment; the embedded server is held until the job ends.
 */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startAnswerInput>) {
  const { db, dataDir } = manager;
  const ids = usableRowIds(db, input.datasetId);
  const connection = await connectEndpoint(db, dataDir, embedded, input.endpointId);
  try {
    const job = await manager.createJob({
      kind: "answer",
      name: `Answer with ${connection.model} (${ids.length} rows)`,
      datasetId: input.datasetId,
      spec: {
        endpoint: {
          base_url: connection.baseUrl,
          model: connection.model,
          concurrency: connection.maxConcurrency,
          timeout_s: connection.requestTimeoutS,
          ...(connection.inputPricePerM !== null ? { price_input_per_m: connection.inputPricePerM } : {}),
          ...(connection.outputPricePerM !== null ? { price_output_per_m: connection.outputPricePerM } : {}),
        },
        sampling: { temperature: input.temperature, max_tokens: input.maxTokens },
        template: DEFAULT_ANSWER_TEMPLATE,
        cache: responseCachePath(dataDir),
      },
      files: { "data/rows.jsonl": rowLines(db, input.datasetId, ids) },
      lease: { env: endpointJobEnv(connection), release: connection.release },
    });
    return { jobId: job.id };
  } catch (e) {
    connection.release();
    throw e;
  }
}
