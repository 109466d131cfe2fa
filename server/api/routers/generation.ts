import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { startAnswerInput, startExpandInput } from "~/lib/contracts/generation";
import { idField } from "~/lib/contracts/text-bounds";
import { publicProcedure } from "~/server/api/trpc";
import { answeredDatasetOf } from "~/server/generation/import-answers";
import { startAnswerJob } from "~/server/generation/start-answer";
import { expansionOf } from "~/server/generation/import-expansion";
import { expansionTargets, startExpandJob } from "~/server/curriculum/expand-curriculum";

/** Generation jobs that call a black-box teacher (docs/generation.md). */
export const generationRouter = {
  /** The teacher answers every usable row of a dataset; the answers become a new dataset when the job succeeds. */
  answer: publicProcedure.input(startAnswerInput).mutation(({ ctx, input }) => startAnswerJob(ctx.jobs, ctx.embedded, input)),

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

  /** The dataset a succeeded answer or expand job made, or null while it has none. */
  answeredDataset: publicProcedure
    .input(z.object({ jobId: idField("a job id") }))
    .query(({ ctx, input }) => ({ datasetId: answeredDatasetOf(ctx.db, input.jobId) })),
} satisfies TRPCRouterRecord;
