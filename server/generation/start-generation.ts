import { join } from "node:path";
import type { z } from "zod";
import type { startGenerationInput } from "~/lib/contracts/generation";
import { connectEndpoint, endpointJobEnv } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { rewriteTemplates, taskTypesOf } from "./rewrite-rows";
import { currentTemplate } from "./template-store";

/** The response cache every generation job shares, in the data folder (docs/generation.md). */
export function responseCachePath(dataDir: string): string {
  return join(dataDir, "response-cache.sqlite");
}

type GenerationJob = { kind: "answer" | "rewrite"; name: (model: string) => string; spec: Record<string, unknown>; files: Record<string, AsyncIterable<string>> };

/**
 * Starts a generation job with an endpoint: job.json names the endpoint's base URL and model but not its key,
 * which the job gets in its environment; the embedded server is held until the job ends.
 */
async function startGenerationJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startGenerationInput>, job: GenerationJob) {
  const { db, dataDir } = manager;
  const connection = await connectEndpoint(db, dataDir, embedded, input.endpointId);
  try {
    const created = await manager.createJob({
      kind: job.kind,
      name: job.name(connection.model),
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
        cache: responseCachePath(dataDir),
        ...job.spec,
      },
      files: job.files,
      lease: { env: endpointJobEnv(connection), release: connection.release },
    });
    return { jobId: created.id };
  } catch (e) {
    connection.release();
    throw e;
  }
}

/** The teacher answers every usable row of a dataset with the answer template current in the store. */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startGenerationInput>) {
  const ids = usableRowIds(manager.db, input.datasetId);
  const { name, version, text } = currentTemplate(manager.db, "answer", null);
  return startGenerationJob(manager, embedded, input, {
    kind: "answer",
    name: (model) => `Answer with ${model} (${ids.length} rows)`,
    spec: { template: { name, version, text } },
    files: { "data/rows.jsonl": rowLines(manager.db, input.datasetId, ids) },
  });
}

/**
 * The teacher rewrites the answers of every usable answered row of a dataset, each row with the rewrite template
 * of its task type (hand label, else the dataset's latest tag result; none: the default template), as current in
 * the store.
 */
export async function startRewriteJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startGenerationInput>) {
  const ids = usableRowIds(manager.db, input.datasetId, { answered: true, why: "a rewrite needs answers to rewrite (answer the prompts with a teacher first)" });
  const types = taskTypesOf(manager.db, input.datasetId);
  return startGenerationJob(manager, embedded, input, {
    kind: "rewrite",
    name: (model) => `Rewrite with ${model} (${ids.length} rows)`,
    spec: { templates: rewriteTemplates(manager.db) },
    files: { "data/rows.jsonl": rowLines(manager.db, input.datasetId, ids, (id) => (types.has(id) ? { task_type: types.get(id) } : {})) },
  });
}
