import { DEFAULT_ANSWER_TEMPLATE, type startAnswerInput } from "~/lib/contracts/generation";
import type { z } from "zod";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { startGenerationJob } from "./start-generation";

/** Starts an answer job over a dataset's usable rows (startGenerationJob: the key stays out of job.json). */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startAnswerInput>) {
  const ids = usableRowIds(manager.db, input.datasetId);
  return startGenerationJob(manager, embedded, input.endpointId, (model) => ({
    kind: "answer",
    name: `Answer with ${model} (${ids.length} rows)`,
    datasetId: input.datasetId,
    spec: { sampling: { temperature: input.temperature, max_tokens: input.maxTokens }, template: DEFAULT_ANSWER_TEMPLATE },
    files: { "data/rows.jsonl": rowLines(manager.db, input.datasetId, ids) },
  }));
}
