import type { TRPCRouterRecord } from "@trpc/server";
import { createEndpointInput, endpointId, updateEndpointInput } from "~/lib/contracts/endpoints";
import { publicProcedure } from "~/server/api/trpc";
import { connectEndpoint } from "~/server/endpoints/connection";
import { createEndpoint, deleteEndpoint, listEndpoints, updateEndpoint } from "~/server/endpoints/endpoint-store";
import { probeEndpoint } from "~/server/endpoints/probe";

/** Model endpoints (OpenAI-compatible teachers) and the embedded llama.cpp server. Keys go in, never out: `hasKey` only. */
export const endpointsRouter = {
  list: publicProcedure.query(({ ctx }) => listEndpoints(ctx.db, ctx.jobs.dataDir)),

  create: publicProcedure.input(createEndpointInput).mutation(({ ctx, input }) => createEndpoint(ctx.db, ctx.jobs.dataDir, input)),

  update: publicProcedure.input(updateEndpointInput).mutation(({ ctx, input }) => updateEndpoint(ctx.db, ctx.jobs.dataDir, input)),

  delete: publicProcedure.input(endpointId).mutation(({ ctx, input }) => {
    deleteEndpoint(ctx.db, ctx.jobs.dataDir, input.id);
    return { deleted: input.id };
  }),

  /** Lists the server's models and times a short completion, from the studio's server; "embedded" starts it if needed. */
  test: publicProcedure.input(endpointId).mutation(async ({ ctx, input }) => {
    const connection = await connectEndpoint(ctx.db, ctx.jobs.dataDir, ctx.embedded, input.id);
    try {
      return await probeEndpoint({ ...connection, timeoutMs: connection.requestTimeoutS * 1000 });
    } finally {
      connection.release();
    }
  }),

  embedded: publicProcedure.query(({ ctx }) => ctx.embedded.status()),

  startEmbedded: publicProcedure.mutation(async ({ ctx }) => {
    await ctx.embedded.start();
    return ctx.embedded.status();
  }),

  stopEmbedded: publicProcedure.mutation(({ ctx }) => {
    ctx.embedded.stop();
    return ctx.embedded.status();
  }),
} satisfies TRPCRouterRecord;
