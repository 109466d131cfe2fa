import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { saveTemplateInput, startGenerationInput, templateKind, templateScopeInput } from "~/lib/contracts/generation";
import { idField } from "~/lib/contracts/text-bounds";
import { publicProcedure } from "~/server/api/trpc";
import { generatedDatasetOf } from "~/server/generation/import-generated";
import { startAnswerJob, startRewriteJob } from "~/server/generation/start-generation";
import { resetTemplate, saveTemplate, templateHistory, templatesOf } from "~/server/generation/template-store";

/** Generation jobs that call a black-box teacher, and their prompt templates (docs/generation.md). */
export const generationRouter = {
  /** The teacher answers every usable row of a dataset; the answers become a new dataset when the job succeeds. */
  answer: publicProcedure.input(startGenerationInput).mutation(({ ctx, input }) => startAnswerJob(ctx.jobs, ctx.embedded, input)),

  /** The teacher rewrites every answer of a dataset in its task type's style; the rewrites become a new dataset. */
  rewrite: publicProcedure.input(startGenerationInput).mutation(({ ctx, input }) => startRewriteJob(ctx.jobs, ctx.embedded, input)),

  /** The dataset a succeeded answer or rewrite job made, or null while it has none. */
  answeredDataset: publicProcedure
    .input(z.object({ jobId: idField("a job id") }))
    .query(({ ctx, input }) => ({ datasetId: generatedDatasetOf(ctx.db, input.jobId) })),

  /** A kind's current template for the default and for every task type, and whether the type inherits it. */
  templates: publicProcedure.input(z.object({ kind: templateKind })).query(({ ctx, input }) => templatesOf(ctx.db, input.kind)),

  /** A template's versions, newest first. */
  templateHistory: publicProcedure.input(templateScopeInput).query(({ ctx, input }) => templateHistory(ctx.db, input.kind, input.taskType)),

  /** Saves a new version of a template; a placeholder the kind's job does not fill is refused by name. */
  saveTemplate: publicProcedure.input(saveTemplateInput).mutation(({ ctx, input }) => saveTemplate(ctx.db, input.kind, input.taskType, input.text)),

  /** Saves the built-in template as a new version. */
  resetTemplate: publicProcedure.input(templateScopeInput).mutation(({ ctx, input }) => resetTemplate(ctx.db, input.kind, input.taskType)),
} satisfies TRPCRouterRecord;
