import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { startAnswerInput } from "~/lib/contracts/generation";
import { idField } from "~/lib/contracts/text-bounds";
import { publicProcedure } from "~/server/api/trpc";
import { answeredDatasetOf } from "~/server/generation/import-answers";
import { startAnswerJob } from "~/server/generation/start-answer";

/** Generation jobs that call a black-box teacher (docs/generation.md). */
export const generationRouter = {
  /** The teacher answers every usable row of a dataset; the answers become a new dataset when the job succeeds. */
  answer: publicProcedure.input(startAnswerInput).mutation(({ ctx, input }) => startAnswerJob(ctx.jobs, ctx.embedded, input)),

  /** The dataset a succeeded answer job made, or null while it has none. */
  answeredDataset: publicProcedure
    .input(z.object({ jobId: idField("a job id") }))
    .query(({ ctx, input }) => ({ datasetId: answeredDatasetOf(ctx.db, input.jobId) })),
} satisfies TRPCRouterRecord;
