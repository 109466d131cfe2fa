import type { startAnswerInput } from "~/lib/contracts/generation";
import type { z } from "zod";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines } from "~/server/runs/dataset-split";
import { startGenerationJob } from "./start-generation";
import { jobTemplate } from "./template-store";

/** The rows an answer job takes (ids of usable rows) and how its name says which. */
export type RowsToAnswer = { ids: number[]; description: string };

/**
 * Starts an answer job over the given rows of a dataset with the answer template current in the store
 * (startGenerationJob: the key stays out of job.json).
 */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startAnswerInput>, rows: RowsToAnswer) {
  return startGenerationJob(manager, embedded, input.endpointId, (model) => ({
    kind: "answer",
    name: `Answer with ${model} (${rows.description})`,
    datasetId: input.datasetId,
    spec: { sampling: { temperature: input.temperature, max_tokens: input.maxTokens }, template: jobTemplate(manager.db, "answer", null) },
    files: { "data/rows.jsonl": rowLines(manager.db, input.datasetId, rows.ids) },
  }));
}
