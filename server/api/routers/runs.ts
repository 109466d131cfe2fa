import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { idField } from "~/lib/contracts/text-bounds";
import { launchForm } from "~/lib/runs/form";
import { prepareLaunch } from "~/server/runs/prepare-launch";
import { modelRoots } from "~/server/runs/model-roots";
import { compareRuns, getRun, listRuns, runSnapshot } from "~/server/runs/run-queries";
import { getJobManager } from "~/server/jobs/start";
import { publicProcedure } from "../trpc";

const runId = idField("a run id");
const byId = z.object({ id: runId });

export const runsRouter = {
  /** The folders model and output paths must lie in. */
  roots: publicProcedure.query(() => ({ roots: modelRoots() })),

  /** Validates the form again, writes the run folder and queues the train job. */
  launch: publicProcedure.input(launchForm).mutation(async ({ ctx, input }) => {
    const prepared = prepareLaunch(ctx.db, input);
    const job = await getJobManager().createJob({ kind: "train", name: prepared.name, datasetId: prepared.datasetId, spec: prepared.spec as Record<string, unknown>, files: prepared.files });
    return { id: job.id };
  }),

  list: publicProcedure.query(({ ctx }) => listRuns(ctx.db, getJobManager().queuePositions())),

  get: publicProcedure.input(byId).query(({ ctx, input }) => getRun(ctx.db, input.id, getJobManager().queuePositions())),

  /** Stage, eval, log-tail, progress and final events up to `lastSeq`; the run page extends it live. */
  snapshot: publicProcedure.input(byId).query(({ ctx, input }) => runSnapshot(ctx.db, input.id)),

  compare: publicProcedure
    .input(z.object({ ids: z.array(runId).min(2, "choose at least 2 runs to compare").max(12, "compare at most 12 runs at once") }))
    .query(({ ctx, input }) => compareRuns(ctx.db, input.ids, getJobManager().queuePositions())),
} satisfies TRPCRouterRecord;
