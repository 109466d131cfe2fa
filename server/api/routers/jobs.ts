import { tracked, type TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { jobKind, jobStatus } from "~/lib/contracts/job";
import { BadRequest, NotFound } from "~/lib/errors";
import { publicProcedure } from "~/server/api/trpc";
import { afterSeqOf, jobEventsInput } from "~/server/jobs/event-sse";
import { streamJobEvents } from "~/server/jobs/event-stream";
import { getJob, listJobs, metricSeries } from "~/server/jobs/job-queries";
import { jobRow } from "~/server/jobs/job-row";

const jobId = z.object({ id: z.string().min(1) });

function notFoundJob(id: string): never {
  throw new NotFound(`job ${id} does not exist`);
}

export const jobsRouter = {
  list: publicProcedure
    .input(z.object({ kind: jobKind.optional(), datasetId: z.string().optional(), status: jobStatus.optional() }).optional())
    .query(({ ctx, input }) => listJobs(ctx.db, input ?? {}, ctx.jobs.queuePositions())),

  get: publicProcedure.input(jobId).query(({ ctx, input }) => getJob(ctx.db, input.id, ctx.jobs.queuePositions()) ?? notFoundJob(input.id)),

  /** The full metric series for charts (one point per metric event). */
  metrics: publicProcedure.input(jobId).query(({ ctx, input }) => {
    if (!jobRow(ctx.db, input.id)) notFoundJob(input.id);
    return metricSeries(ctx.db, input.id);
  }),

  /** Queued: cancelled at once. Running: SIGTERM now, SIGKILL after the grace period; the status follows. */
  cancel: publicProcedure.input(jobId).mutation(({ ctx, input }) => {
    if (!jobRow(ctx.db, input.id)) notFoundJob(input.id);
    return { status: ctx.jobs.cancel(input.id) };
  }),

  resume: publicProcedure.input(jobId).mutation(({ ctx, input }) => {
    if (!jobRow(ctx.db, input.id)) notFoundJob(input.id);
    ctx.jobs.resume(input.id);
    return { status: jobRow(ctx.db, input.id)!.status };
  }),

  devices: publicProcedure.query(({ ctx }) => ctx.jobs.slots()),

  /**
   * A job's events: the stored ones after lastEventId, then live ones, each tracked by its seq so an SSE
   * reconnect resumes exactly after the last event the client saw. Ends once the job is finished. Over HTTP
   * the studio serves it with server/jobs/event-sse.ts (same events, same wire format, far less work per
   * subscriber); this procedure answers in-process callers and the requests that one declines (errors).
   */
  events: publicProcedure
    .input(jobEventsInput)
    .subscription(async function* ({ ctx, input, signal }) {
      if (!jobRow(ctx.db, input.jobId)) notFoundJob(input.jobId);
      const after = afterSeqOf(input.lastEventId);
      if (after === null) {
        throw new BadRequest(`lastEventId "${input.lastEventId}" is not an event seq`);
      }
      for await (const event of streamJobEvents(ctx.db, ctx.jobs.bus, input.jobId, after, signal)) yield tracked(String(event.seq), event);
    }),
} satisfies TRPCRouterRecord;
