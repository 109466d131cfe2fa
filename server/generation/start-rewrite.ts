import type { z } from "zod";
import type { startRewriteInput } from "~/lib/contracts/generation";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { taskTypesOf } from "./row-task-types";
import { startGenerationJob } from "./start-generation";
import { templatesByTaskType } from "./template-store";

/**
 * The teacher rewrites the answers of every usable answered row of a dataset, each row with the rewrite template
 * of its task type (hand label, else the dataset's latest tag result; none: the default template), as current in
 * the store (startGenerationJob: the key stays out of job.json).
 */
export async function startRewriteJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startRewriteInput>) {
  const { db } = manager;
  const ids = usableRowIds(db, input.datasetId, { answered: true, why: "a rewrite needs answers to rewrite (answer the prompts with a teacher first)" });
  const types = taskTypesOf(db, input.datasetId);
  return startGenerationJob(manager, embedded, input.endpointId, (model) => ({
    kind: "rewrite",
    name: `Rewrite with ${model} (${ids.length} ${ids.length === 1 ? "row" : "rows"})`,
    datasetId: input.datasetId,
    spec: { sampling: { temperature: input.temperature, max_tokens: input.maxTokens }, templates: templatesByTaskType(db, "rewrite") },
    files: { "data/rows.jsonl": rowLines(db, input.datasetId, ids, (id) => (types.has(id) ? { task_type: types.get(id) } : {})) },
  }));
}
