import type { TRPCRouterRecord } from "@trpc/server";
import { join } from "node:path";
import { z } from "zod";
import { launchForm } from "~/lib/runs/form";
import { prepareLaunch } from "~/server/runs/prepare-launch";
import { modelRoots } from "~/server/runs/model-roots";
import type { ModelRef } from "~/lib/contracts/job";
import { BadRequest } from "~/lib/errors";
import { chatWorker } from "~/server/runs/chat-workers";
import { compareRuns, getRun, listRuns, runSnapshot } from "~/server/runs/run-queries";
import { getJobManager } from "~/server/jobs/start";
import { deleteRun, MAX_RUN_NAME, renameRun } from "~/server/runs/manage-runs";
import { finishedStudents } from "~/server/runs/student-folder";
import { publicProcedure } from "../trpc";

const byId = z.object({ id: z.string().min(1) });

const chatInput = z.object({
  id: z.string().min(1),
  model: z.enum(["student", "teacher"]),
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().min(1).max(8_000) }))
    .min(1)
    .max(40),
  maxNewTokens: z.number().int().min(1).max(512).default(128),
});

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

  rename: publicProcedure
    .input(z.object({ id: z.string().min(1), name: z.string().max(MAX_RUN_NAME * 4) }))
    .mutation(({ ctx, input }) => renameRun(ctx.db, input.id, input.name)),

  /** Refused while queued or running; removes the run folder. */
  delete: publicProcedure.input(byId).mutation(({ ctx, input }) => {
    deleteRun(ctx.db, input.id, join(getJobManager().dataDir, "runs"));
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
    for await (const text of chatWorker(ref, run.runDir, getJobManager().repoRoot).ask(input.messages, input.maxNewTokens, signal)) {
      if (signal?.aborted) return;
      yield { text };
    }
  }),

  compare: publicProcedure
    .input(z.object({ ids: z.array(z.string().min(1)).min(2).max(12) }))
    .query(({ ctx, input }) => compareRuns(ctx.db, input.ids, getJobManager().queuePositions())),
} satisfies TRPCRouterRecord;
