import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import type { Db } from "~/db/client";
import { type AnswerSubset, answerSubsetInput, ORIGIN_LABELS, saveTemplateInput, startAnswerInput, startExpandInput, startRewriteInput, templateKind, templateScopeInput } from "~/lib/contracts/generation";
import { idField } from "~/lib/contracts/text-bounds";
import { BadRequest } from "~/lib/errors";
import { publicProcedure } from "~/server/api/trpc";
import { curriculumRows } from "~/server/curriculum/saved-curricula";
import { matchingRowIds } from "~/server/datasets/search";
import { answeredDatasetOf } from "~/server/generation/import-answers";
import { resumeGenerationJob } from "~/server/generation/resume-generation";
import { type RowsToAnswer, startAnswerJob } from "~/server/generation/start-answer";
import { usableRowIds } from "~/server/runs/dataset-split";
import { expansionOf } from "~/server/generation/import-expansion";
import { startRewriteJob } from "~/server/generation/start-rewrite";
import { resetTemplate, saveTemplate, templateHistory, templatesOf } from "~/server/generation/template-store";
import { expansionTargets, startExpandJob } from "~/server/curriculum/expand-curriculum";

const rowCount = (n: number) => `${n} ${n === 1 ? "row" : "rows"}`;

/**
 * The usable rows (duplicates aside) of a subset, and a description for the job's name. Here because it joins
 * the datasets' search and the curricula, which server/generation comes before.
 */
async function rowsToAnswer(db: Db, datasetId: string, subset: AnswerSubset): Promise<RowsToAnswer> {
  const usable = usableRowIds(db, datasetId);
  if (subset.kind === "all") return { ids: usable, description: rowCount(usable.length) };
  if (subset.kind === "search") {
    const ids = await matchingRowIds(db, datasetId, subset.q, subset.origin ?? null);
    const among = subset.origin ? ` among the ${ORIGIN_LABELS[subset.origin]} rows` : "";
    if (ids.length === 0) throw new BadRequest(`no row matches “${subset.q}”${among}: there is nothing to answer`);
    return { ids, description: `${rowCount(ids.length)} matching “${subset.q}”${among}` };
  }
  const { name, ids } = curriculumRows(db, subset.curriculumId, datasetId);
  return { ids, description: `${rowCount(ids.length)} of curriculum “${name}”` };
}

/** Generation jobs that call a black-box teacher, and their prompt templates (docs/generation.md). */
export const generationRouter = {
  /** How many rows an answer job over this subset would answer, before it is started. */
  answerCount: publicProcedure.input(answerSubsetInput).query(async ({ ctx, input }) => {
    const { ids, description } = await rowsToAnswer(ctx.db, input.datasetId, input.subset);
    return { rows: ids.length, description };
  }),

  /** The teacher answers the subset's rows; the answers become a new dataset when the job succeeds. */
  answer: publicProcedure
    .input(startAnswerInput)
    .mutation(async ({ ctx, input }) => startAnswerJob(ctx.jobs, ctx.embedded, input, await rowsToAnswer(ctx.db, input.datasetId, input.subset))),

  /** A cancelled, failed or interrupted answer, expand or rewrite job runs again, asking only what its journal lacks. */
  resume: publicProcedure.input(z.object({ jobId: idField("a job id") })).mutation(({ ctx, input }) => resumeGenerationJob(ctx.jobs, ctx.embedded, input.jobId)),

  /** Per task type, the new instructions a saved curriculum's resampling asks for beyond the rows that exist. */
  expandTargets: publicProcedure
    .input(z.object({ curriculumId: idField("a curriculum id") }))
    .query(({ ctx, input }) => expansionTargets(ctx.db, input.curriculumId)),

  /** TAPIR §4: the teacher writes those new instructions, which are deduplicated, tagged and answered into a new dataset. */
  expand: publicProcedure.input(startExpandInput).mutation(({ ctx, input }) => startExpandJob(ctx.jobs, ctx.embedded, input)),

  /** What the expand job that made a dataset did (per type targets, dedup counts), or null. */
  expansion: publicProcedure
    .input(z.object({ datasetId: idField("a dataset id") }))
    .query(({ ctx, input }) => expansionOf(ctx.db, input.datasetId)),

  /** The teacher rewrites every answer of a dataset in its task type's style; the rewrites become a new dataset. */
  rewrite: publicProcedure.input(startRewriteInput).mutation(({ ctx, input }) => startRewriteJob(ctx.jobs, ctx.embedded, input)),

  /** The dataset a succeeded answer, expand or rewrite job made, or null while it has none. */
  answeredDataset: publicProcedure
    .input(z.object({ jobId: idField("a job id") }))
    .query(({ ctx, input }) => ({ datasetId: answeredDatasetOf(ctx.db, input.jobId) })),

  /** A kind's current template for the default and for every task type, and whether the type inherits it. */
  templates: publicProcedure.input(z.object({ kind: templateKind })).query(({ ctx, input }) => templatesOf(ctx.db, input.kind)),

  /** A template's versions, newest first. */
  templateHistory: publicProcedure.input(templateScopeInput).query(({ ctx, input }) => templateHistory(ctx.db, input.kind, input.taskType)),

  /** Saves a new version of a template; a placeholder the kind's job does not fill is refused by name. */
  saveTemplate: publicProcedure.input(saveTemplateInput).mutation(({ ctx, input }) => saveTemplate(ctx.db, input.kind, input.taskType, input.text)),

  /** Saves the built-in template as a new version. */
  resetTemplate: publicProcedure.input(templateScopeInput).mutation(({ ctx, input }) => resetTemplate(ctx.db, input.kind, input.taskType)),
} satisfies TRPCRouterRecord;
