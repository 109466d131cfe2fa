import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { curriculum } from "~/lib/planning";
import { curriculumLaunchForm, launchForm } from "~/lib/runs/form";
import { startAnalysisJob } from "~/server/curriculum/analysis-jobs";
import { loadDemoDataset } from "~/server/curriculum/demo-dataset";
import { curriculumPlanSummary, launchCurriculum } from "~/server/curriculum/launch-curriculum";
import { analysisResults, filteredRows, rowColumns, setRowLabel } from "~/server/curriculum/results";
import { getCurriculum, listCurricula, saveCurriculum } from "~/server/curriculum/saved-curricula";
import { publicProcedure } from "../trpc";

const datasetId = z.string().min(1);
const resultId = z.string().min(1).nullable();

export const curriculumRouter = {
  /** Tag and score passes, the analysis jobs (running or not) and the number of hand labels. */
  results: publicProcedure.input(z.object({ datasetId })).query(({ ctx, input }) => analysisResults(ctx.db, input.datasetId)),

  startJob: publicProcedure
    .input(
      z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("tag"), datasetId, taggerPath: z.string().nullish() }),
        z.object({
          kind: z.literal("score"),
          datasetId,
          scorer: z.enum(["pocl", "mfd_ce"]),
          studentLayers: z.number().int().min(1).max(64),
          maxNewTokens: z.number().int().min(1).max(1024),
          batchSize: z.number().int().min(1).max(512).optional(),
        }),
        z.object({ kind: z.literal("lengths"), datasetId }),
      ]),
    )
    .mutation(({ ctx, input }) => startAnalysisJob(ctx.jobs, input)),

  /** Per usable row, in dataset order: task type (hand labels win) and difficulty of the chosen pass. */
  columns: publicProcedure
    .input(z.object({ datasetId, tagResultId: resultId, scoreResultId: resultId }))
    .query(({ ctx, input }) => rowColumns(ctx.db, input.datasetId, input.tagResultId, input.scoreResultId)),

  rows: publicProcedure
    .input(
      z.object({
        datasetId,
        tagResultId: resultId,
        scoreResultId: resultId,
        type: z.string().nullable(),
        min: z.number().nullable(),
        max: z.number().nullable(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(200).default(25),
      }),
    )
    .query(({ ctx, input }) => filteredRows(ctx.db, input)),

  setLabel: publicProcedure
    .input(z.object({ rowId: z.number().int(), label: z.enum(TASK_TYPES as [string, ...string[]]).nullable() }))
    .mutation(({ ctx, input }) => setRowLabel(ctx.db, input.rowId, input.label)),

  loadDemo: publicProcedure.mutation(({ ctx }) => loadDemoDataset(ctx.jobs)),

  save: publicProcedure
    .input(z.object({ name: z.string().max(120).default(""), spec: curriculum }))
    .mutation(({ ctx, input }) => saveCurriculum(ctx.db, input.name, input.spec)),

  list: publicProcedure.input(z.object({ datasetId })).query(({ ctx, input }) => listCurricula(ctx.db, input.datasetId)),

  get: publicProcedure.input(z.object({ id: z.string().min(1) })).query(({ ctx, input }) => getCurriculum(ctx.db, input.id)),

  /** The plan a saved curriculum's run trains with this batching: what launch writes as plan.json. */
  plan: publicProcedure
    .input(z.object({ id: z.string().min(1), batchSize: launchForm.shape.batchSize, gradAccum: launchForm.shape.gradAccum }))
    .query(({ ctx, input }) => curriculumPlanSummary(ctx.db, input.id, { batch_size: input.batchSize, grad_accum: input.gradAccum })),

  /** A POCL train run from a saved curriculum (see launchCurriculum). */
  launch: publicProcedure
    .input(z.object({ curriculumId: z.string().min(1), form: curriculumLaunchForm }))
    .mutation(({ ctx, input }) => launchCurriculum(ctx.jobs, input.curriculumId, input.form)),
} satisfies TRPCRouterRecord;
