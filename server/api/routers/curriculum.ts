import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { idField, nameField, pathField } from "~/lib/contracts/text-bounds";
import { curriculum } from "~/lib/planning";
import { daePlanChoice } from "~/lib/runs/dae";
import { curriculumLaunchForm, launchForm } from "~/lib/runs/form";
import { startAnalysisJob } from "~/server/curriculum/analysis-jobs";
import { loadDemoDataset } from "~/server/curriculum/demo-dataset";
import { curriculumPlanSummary, launchCurriculum } from "~/server/curriculum/launch-curriculum";
import { analysisResults, filteredRows, rowColumns, scoreComponents, setRowLabel } from "~/server/curriculum/results";
import { COMPONENT_NAMES, type ComponentName } from "~/lib/charts/score-components";
import { getCurriculum, listCurricula, saveCurriculum } from "~/server/curriculum/saved-curricula";
import { publicProcedure } from "../trpc";

const datasetId = idField("a dataset id");
const resultId = idField("a result id").nullable();

export const curriculumRouter = {
  /** Tag and score passes, the analysis jobs (running or not) and the number of hand labels. */
  results: publicProcedure.input(z.object({ datasetId })).query(({ ctx, input }) => analysisResults(ctx.db, input.datasetId)),

  startJob: publicProcedure
    .input(
      z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("tag"), datasetId, taggerPath: pathField("the tagger folder").nullish() }),
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

  /** The chosen score pass's stored measures per usable row (rowColumns' order) and each row's prompt start. */
  scoreComponents: publicProcedure
    .input(z.object({ datasetId, scoreResultId: z.string().min(1).max(200) }))
    .query(({ ctx, input }) => scoreComponents(ctx.db, input.datasetId, input.scoreResultId)),

  rows: publicProcedure
    .input(
      z.object({
        datasetId,
        tagResultId: resultId,
        scoreResultId: resultId,
        type: z.string().max(100, "a task type is at most 100 characters").nullable(),
        min: z.number().nullable(),
        max: z.number().nullable(),
        component: z
          .object({ name: z.enum(COMPONENT_NAMES as [ComponentName, ...ComponentName[]]), min: z.number(), max: z.number() })
          .nullable()
          .default(null),
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
    .input(z.object({ name: nameField("a curriculum name").default(""), spec: curriculum }))
    .mutation(({ ctx, input }) => saveCurriculum(ctx.db, input.name, input.spec)),

  list: publicProcedure.input(z.object({ datasetId })).query(({ ctx, input }) => listCurricula(ctx.db, input.datasetId)),

  get: publicProcedure.input(z.object({ id: idField("a curriculum id") })).query(({ ctx, input }) => getCurriculum(ctx.db, input.id)),

  /** The plan a saved curriculum's run trains with this batching (and DAE phase): what launch writes as plan.json. */
  plan: publicProcedure
    .input(z.object({ id: idField("a curriculum id"), batchSize: launchForm.shape.batchSize, gradAccum: launchForm.shape.gradAccum, dae: daePlanChoice.optional() }))
    .query(({ ctx, input }) => curriculumPlanSummary(ctx.db, input.id, { batch_size: input.batchSize, grad_accum: input.gradAccum }, input.dae)),

  /** A POCL train run from a saved curriculum (see launchCurriculum). */
  launch: publicProcedure
    .input(z.object({ curriculumId: idField("a curriculum id"), form: curriculumLaunchForm }))
    .mutation(({ ctx, input }) => launchCurriculum(ctx.jobs, input.curriculumId, input.form)),
} satisfies TRPCRouterRecord;
