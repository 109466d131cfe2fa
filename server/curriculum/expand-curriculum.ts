import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "~/db/client";
import { jobs, tagResults } from "~/db/schema";
import type { startExpandInput } from "~/lib/contracts/generation";
import type { JobSpec } from "~/lib/contracts/job";
import { BadRequest } from "~/lib/errors";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { startGenerationJob } from "~/server/generation/start-generation";
import { templatesByTaskType } from "~/server/generation/template-store";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines } from "~/server/runs/dataset-split";
import { curriculumRunPlan } from "./launch-curriculum";
import { rowColumns } from "./results";

/** Batching changes the plan's steps, never its resampling counts. */
const ANY_BATCHING = { batch_size: 1, grad_accum: 1 };

/**
 * Per task type, how many new instructions an expand job asks for: what the saved curriculum's TAPIR resampling
 * wants (its target) beyond the training rows the type has. A type with no rows at all has no examples to show
 * the teacher, so it is listed with nothing asked.
 */
export function expansionTargets(db: Db, curriculumId: string) {
  const { saved, spec, preview } = curriculumRunPlan(db, curriculumId, ANY_BATCHING);
  const types = (preview.counts?.types ?? [])
    .filter((t) => t.target > t.available)
    .map((t) => ({ type: t.type, available: t.available, target: t.target, asked: t.available > 0 ? t.target - t.available : 0 }));
  return { curriculumId: saved.id, datasetId: spec.dataset_id, tagResultId: spec.resample?.tag_result_id ?? null, types };
}

/** The tagger of the tag pass that typed the curriculum's rows, so new instructions are tagged the same way. */
function taggerOf(db: Db, tagResultId: string): Extract<JobSpec, { kind: "tag" }>["tagger"] {
  const row = db.select({ spec: jobs.spec }).from(tagResults).innerJoin(jobs, eq(jobs.id, tagResults.jobId)).where(eq(tagResults.id, tagResultId)).get();
  const spec = row ? (JSON.parse(row.spec) as JobSpec) : null;
  return spec?.kind === "tag" ? spec.tagger : { source: "embedded" };
}

/**
 * Starts an expand job (TAPIR §4) for a saved curriculum: its dataset's usable rows with their task types (as
 * the curriculum types them) are the examples and what new instructions are deduplicated against; its expand
 * and answer templates (each type's own, else the default) are the store's current ones (the Templates page).
 * When it succeeds, server/generation/import-expansion.ts makes the parent's rows plus the new ones a new dataset.
 */
export async function startExpandJob(manager: JobManager, embedded: EmbeddedServer, input: z.output<typeof startExpandInput>) {
  const { db } = manager;
  const { datasetId, tagResultId, types } = expansionTargets(db, input.curriculumId);
  const asked = types.filter((t) => t.asked > 0);
  if (tagResultId === null || asked.length === 0)
    throw new BadRequest("this curriculum's resampling asks for no more rows of any task type than the dataset has (of a type that has rows to learn from): there is nothing to expand");
  const columns = rowColumns(db, datasetId, tagResultId, null);
  const typeOf = new Map(columns.ids.map((id, i) => [id, columns.types[i]]));
  const expansions = templatesByTaskType(db, "expand");
  const answers = templatesByTaskType(db, "answer");
  return startGenerationJob(manager, embedded, input.endpointId, (model) => ({
    kind: "expand",
    name: `Expand with ${model}: ${asked.map((t) => `${t.type} +${t.asked}`).join(", ")}`,
    datasetId,
    spec: {
      sampling: { temperature: input.temperature, max_tokens: input.maxTokens },
      template: expansions.default,
      templates_by_task_type: expansions.by_task_type,
      answer_template: answers.default,
      answer_templates_by_task_type: answers.by_task_type,
      targets: Object.fromEntries(asked.map((t) => [t.type, t.asked])),
      examples_per_request: input.examplesPerRequest,
      instructions_per_request: input.instructionsPerRequest,
      max_requests_per_type: input.maxRequestsPerType,
      near_duplicate_threshold: input.nearDuplicateThreshold,
      tagger: taggerOf(db, tagResultId),
    },
    files: {
      "data/rows.jsonl": rowLines(db, datasetId, columns.ids, (id) => ({ type: typeOf.get(id) ?? null })),
      // What the import needs to link the new dataset to the curriculum's tag pass.
      "curriculum.json": `${JSON.stringify({ curriculum_id: input.curriculumId, tag_result_id: tagResultId })}\n`,
    },
  }));
}
