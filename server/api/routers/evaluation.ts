import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { startEvalInput } from "~/lib/contracts/evaluation-form";
import { evalSuiteName } from "~/lib/contracts/job";
import { idField } from "~/lib/contracts/text-bounds";
import { publicProcedure } from "~/server/api/trpc";
import { suiteAvailability } from "~/server/evaluation/datasets-dir";
import { compareEvaluations, evaluationAnswers, getEvaluation, listEvaluations, runEvaluations } from "~/server/evaluation/eval-queries";
import { startEvalJob } from "~/server/evaluation/start-eval";

const evaluationId = idField("an evaluation id");
const runId = idField("a run id");

/** Evaluation suites run on a model by an eval job, their figures and graded answers (issue 13). */
export const evaluationRouter = {
  /** Where the suites' data is read from, and which suites cannot run here for want of it. */
  setup: publicProcedure.query(() => suiteAvailability()),

  /** Starts an eval job on a run's student, teacher or initial student, a local model, or an endpoint. */
  start: publicProcedure.input(startEvalInput).mutation(({ ctx, input }) => startEvalJob(ctx.jobs, ctx.embedded, input)),

  list: publicProcedure.query(({ ctx }) => listEvaluations(ctx.db)),

  get: publicProcedure.input(z.object({ id: evaluationId })).query(({ ctx, input }) => getEvaluation(ctx.db, input.id)),

  /** A run's own evaluations, and its teacher's and initial student's newest ones (its baselines). */
  forRun: publicProcedure.input(z.object({ runId })).query(({ ctx, input }) => runEvaluations(ctx.db, input.runId)),

  /** The runs' student evaluations with their teachers and initial students as baseline rows. */
  compare: publicProcedure
    .input(z.object({ runIds: z.array(runId).min(1).max(12, "compare at most 12 runs at once") }))
    .query(({ ctx, input }) => compareEvaluations(ctx.db, input.runIds)),

  /** One page of an evaluation's answers to a suite, filtered, each beside another evaluation's answer. */
  answers: publicProcedure
    .input(
      z.object({
        evaluationId,
        suite: evalSuiteName,
        category: z.string().max(200).nullable().default(null),
        minScore: z.number().nullable().default(null),
        maxScore: z.number().nullable().default(null),
        passed: z.boolean().nullable().default(null),
        compareWith: evaluationId.nullable().default(null),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => evaluationAnswers(ctx.db, input)),
} satisfies TRPCRouterRecord;
