import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { getDb } from "~/db/client";

export function createTRPCContext(opts: { headers: Headers }) {
  return { db: getDb(), headers: opts.headers };
}

/** Also what server/jobs/event-sse.ts, which serves jobs.events itself, sends. */
export const sseOptions = {
  // Keeps idle SSE connections open through proxies; the client reconnects with lastEventId otherwise.
  ping: { enabled: true, intervalMs: 5_000 },
  client: { reconnectAfterInactivityMs: 15_000 },
};

const t = initTRPC.context<typeof createTRPCContext>().create({
  transformer: superjson,
  sse: sseOptions,
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: error.cause instanceof ZodError ? error.cause.flatten() : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;

/** Thrown when a looked-up record does not exist; names what was missing. */
export function notFound(what: string): never {
  throw new TRPCError({ code: "NOT_FOUND", message: `${what} does not exist` });
}
