import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { launchForm } from "~/lib/runs/form";
import { prepareLaunch } from "~/server/runs/prepare-launch";
import { modelRoots, outputRoots } from "~/server/runs/model-roots";
import { deleteCheckpoints, runDiskUse } from "~/server/runs/run-disk";
import { compareRuns, getRun, listRuns, runSnapshot } from "~/server/runs/run-queries";
import { publicProcedure } from "../trpc";

const byId = z.object({ id: z.string().min(1) });

export const runsRouter = {
  /** The folders model paths (read) and output folders (written) must lie in. */
  roots: publicProcedure.query(() => ({ models: modelRoots(), outputs: outputRoots() })),

  /** Validates the form again, writes the run folder and queues the train job. */
  launch: publicProcedure.input(launchForm).mutation(async ({ ctx, input }) => {
    const prepared = prepareLaunch(ctx.db, input);
    const job = await ctx.jobs.createJob({ kind: "train", name: prepared.name, datasetId: prepared.datasetId, spec: prepared.spec as Record<string, unknown>, files: prepared.files });
    return { id: job.id };
  }),

  list: publicProcedure.query(({ ctx }) => listRuns(ctx.db, ctx.jobs.queuePositions())),

  get: publicProcedure.input(byId).query(({ ctx, input }) => getRun(ctx.db, input.id, ctx.jobs.queuePositions())),

  /** Stage, eval, log-tail, progress and final events up to `lastSeq`; the run page extends it live. */
  snapshot: publicProcedure.input(byId).query(({ ctx, input }) => runSnapshot(ctx.db, input.id)),

  /** Bytes the run takes on disk, and how many of them its checkpoints alone hold. */
  disk: publicProcedure.input(byId).query(({ ctx, input }) => runDiskUse(ctx.db, input.id)),

  /** Deletes a stopped run's checkpoints (a resumable run keeps the newest); refused while it is queued or running. */
  deleteCheckpoints: publicProcedure.input(byId).mutation(({ ctx, input }) => deleteCheckpoints(ctx.db, input.id)),

  compare: publicProcedure
    .input(z.object({ ids: z.array(z.string().min(1)).min(2).max(12) }))
    .query(({ ctx, input }) => compareRuns(ctx.db, input.ids, ctx.jobs.queuePositions())),
} satisfies TRPCRouterRecord;
