import type { TRPCRouterRecord } from "@trpc/server";
import { join } from "node:path";
import { z } from "zod";
import { idField, nameField } from "~/lib/contracts/text-bounds";
import { launchForm } from "~/lib/runs/form";
import { formSplit, prepareLaunch, trainDomainShare } from "~/server/runs/prepare-launch";
import { modelRoots, outputRoots } from "~/server/runs/model-roots";
import { deleteCheckpoints, runDiskUse } from "~/server/runs/run-disk";
import type { ModelRef } from "~/lib/contracts/job";
import { BadRequest } from "~/lib/errors";
import { chatWorker } from "~/server/runs/chat-workers";
import { compareRuns, getRun, listRuns, runSnapshot } from "~/server/runs/run-queries";
import { deleteRun, renameRun } from "~/server/runs/manage-runs";
import { finishedStudents } from "~/server/runs/student-folder";
import { publicProcedure } from "../trpc";

const runId = idField("a run id");
const byId = z.object({ id: runId });

const chatInput = z.object({
  id: runId,
  model: z.enum(["student", "teacher"]),
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().min(1).max(8_000) }))
    .min(1)
    .max(40),
  maxNewTokens: z.number().int().min(1).max(512).default(128),
});

export const runsRouter = {
  /** The folders model paths (read) and output folders (written) must lie in. */
  roots: publicProcedure.query(() => ({ models: modelRoots(), outputs: outputRoots() })),

  /** Validates the form again, writes the run folder and queues the train job. */
  launch: publicProcedure.input(launchForm).mutation(async ({ ctx, input }) => {
    const prepared = prepareLaunch(ctx.db, input);
    const job = await ctx.jobs.createJob({ kind: "train", name: prepared.name, datasetId: prepared.datasetId, spec: prepared.spec as Record<string, unknown>, files: prepared.files });
    return { id: job.id };
  }),

  /** KD + DAE: how many of the rows a launch form's run would train on are flagged as domain, shown before launch. */
  domainShare: publicProcedure
    .input(z.object({ datasetId: launchForm.shape.datasetId, evalSize: launchForm.shape.evalSize, trainSamples: launchForm.shape.trainSamples, seed: launchForm.shape.seed }))
    .query(({ ctx, input }) => trainDomainShare(ctx.db, input.datasetId, formSplit(ctx.db, input).trainIds)),

  list: publicProcedure.query(({ ctx }) => listRuns(ctx.db, ctx.jobs.queuePositions())),

  get: publicProcedure.input(byId).query(({ ctx, input }) => getRun(ctx.db, input.id, ctx.jobs.queuePositions())),

  /** Stage, eval, log-tail, progress and final events up to `lastSeq`; the run page extends it live. */
  snapshot: publicProcedure.input(byId).query(({ ctx, input }) => runSnapshot(ctx.db, input.id)),

  /** Bytes the run takes on disk, and how many of them its checkpoints alone hold. */
  disk: publicProcedure.input(byId).query(({ ctx, input }) => runDiskUse(ctx.db, input.id)),

  /** Deletes a stopped run's checkpoints (a resumable run keeps the newest); refused while it is queued or running. */
  deleteCheckpoints: publicProcedure.input(byId).mutation(({ ctx, input }) => deleteCheckpoints(ctx.db, input.id)),

  rename: publicProcedure
    .input(z.object({ id: runId, name: nameField("a run name") }))
    .mutation(({ ctx, input }) => renameRun(ctx.db, input.id, input.name)),

  /** Refused while queued or running; removes the run folder. */
  delete: publicProcedure.input(byId).mutation(({ ctx, input }) => {
    deleteRun(ctx.db, input.id, join(ctx.jobs.dataDir, "runs"));
    return { deleted: input.id };
  }),

  /** Trained students of succeeded runs, which a new run may take as its teacher or initial student. */
  students: publicProcedure.query(({ ctx }) => finishedStudents(ctx.db)),

  /**
   * Try it: the run's student (once trained) or teacher answers a chat, streamed piece by piece over SSE as
   * the trainer's chat worker generates it (server/runs/chat-workers.ts).
   */
  chat: publicProcedure.input(chatInput).subscription(async function* ({ ctx, input, signal }) {
    const run = getRun(ctx.db, input.id, new Map());
    if (input.model === "student" && !run.studentReady) {
      throw new BadRequest(`Run "${run.name}" has no trained student yet (${run.status}); try its teacher, or wait until it succeeds.`);
    }
    const ref: ModelRef = input.model === "student" ? { source: "dir", path: run.studentPath } : run.spec.teacher;
    for await (const text of chatWorker(ref, run.runDir, ctx.jobs.repoRoot).ask(input.messages, input.maxNewTokens, signal)) {
      if (signal?.aborted) return;
      yield { text };
    }
  }),

  compare: publicProcedure
    .input(z.object({ ids: z.array(runId).min(2, "choose at least 2 runs to compare").max(12, "compare at most 12 runs at once") }))
    .query(({ ctx, input }) => compareRuns(ctx.db, input.ids, ctx.jobs.queuePositions())),
} satisfies TRPCRouterRecord;
