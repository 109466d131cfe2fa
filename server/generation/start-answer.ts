import type { startAnswerInput } from "~/lib/contracts/generation";
import type { z } from "zod";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines } from "~/server/runs/dataset-split";
import { startGenerationJob } from "./start-generation";
import { taskTypesOf } from "./row-task-types";
import { templatesByTaskType } from "./template-store";

/** The rows an answer job takes (ids of usable rows) and how its name says which. */
export type RowsToAnswer = { ids: number[]; description: string };

/**
 * Starts an answer job over the given rows of a dataset, each row with the answer template of its task type (hand
 * label, else the dataset's latest tag result; none, or a type without its own: the default template), as current
 * in the store (startGenerationJob: the key stays out of job.json).
 */
export async function startAnswerJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startAnswerInput>, rows: RowsToAnswer) {
  const { db } = manager;
  const types = taskTypesOf(db, input.datasetId);
  const templates = templatesByTaskType(db, "answer");
  return startGenerationJob(manager, embedded, input.endpointId, (model) => ({
    kind: "answer",
    name: `Answer with ${model} (${rows.description})`,
    datasetId: input.datasetId,
    spec: { sampling: { temperature: input.temperature, max_tokens: input.maxTokens }, template: templates.default, templates_by_task_type: templates.by_task_type },
    files: { "data/rows.jsonl": rowLines(db, input.datasetId, rows.ids, (id) => (types.has(id) ? { task_type: types.get(id) } : {})) },
  }));
}
