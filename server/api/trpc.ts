import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import { getDb } from "~/db/client";
import { UserError } from "~/lib/errors";
import { validationMessage } from "~/lib/validation-messages";

export function createTRPCContext(opts: { headers: Headers }) {
  return { db: getDb(), headers: opts.headers };
}

/** Also what server/jobs/event-sse.ts, which serves jobs.events itself, sends. */
export const sseOptions = {
  // Keeps idle SSE connections open through proxies; the client reconnects with lastEventId otherwise.
  ping: { enabled: true, intervalMs: 5_000 },
  client: { reconnectAfterInactivityMs: 15_000 },
};

/**
 * The one place a failure becomes what the client sees (every HTTP answer and SSE error event is formatted
 * here). A UserError keeps its message under its code; an input that fails its schema is a BAD_REQUEST
 * whose message is sentences (lib/validation-messages), never zod's issues as JSON; tRPC's other own errors
 * pass as they are; anything else is an internal error, logged here with the procedure's path and an id, and shown only
 * as a short message with that id: its message may hold server paths or SQL, so it never leaves the server.
 */
function shownError(path: string | undefined, error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof UserError) return new TRPCError({ code: cause.code, message: cause.message });
  if (cause instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: validationMessage(cause) });
  if (error.code !== "INTERNAL_SERVER_ERROR") return error;
  const id = randomUUID().slice(0, 8);
  console.error(`tRPC ${path ?? "(no procedure)"} failed (error id ${id}):`, cause ?? error);
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `internal error (id ${id}): the studio's log has the details` });
}

const t = initTRPC.context<typeof createTRPCContext>().create({
  transformer: superjson,
  sse: sseOptions,
  errorFormatter({ shape, error, path }) {
    const shown = shownError(path, error);
    // No stack, even in development: it names files on the server.
    const { stack: _stack, ...data } = shape.data;
    return {
      message: shown.message,
      code: TRPC_ERROR_CODES_BY_KEY[shown.code],
      data: {
        ...data,
        code: shown.code,
        httpStatus: getHTTPStatusCodeFromError(shown),
        zodError: error.cause instanceof ZodError ? error.cause.flatten() : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
