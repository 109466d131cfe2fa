import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "~/db/client";
import { internalErrorMessage, UserError } from "~/lib/errors";
import { sseOptions } from "~/server/jobs/event-sse";
import type { JobManager } from "~/server/jobs/manager";

/** What every procedure gets: the studio's database and job manager (built once, server/startup.ts). */
export type ApiContext = { db: Db; jobs: JobManager; headers: Headers };

/**
 * The one place a failure becomes what the client sees (every HTTP answer and SSE error event is formatted
 * here). A UserError keeps its message under its code; tRPC's own errors (input validation) pass as they
 * are; anything else is an internal error, logged here with the procedure's path and an id, and shown only
 * as a short message with that id: its message may hold server paths or SQL, so it never leaves the server.
 */
function shownError(path: string | undefined, error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof UserError) return new TRPCError({ code: cause.code, message: cause.message });
  if (error.code !== "INTERNAL_SERVER_ERROR") return error;
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: internalErrorMessage(`tRPC ${path ?? "(no procedure)"}`, cause ?? error) });
}

const t = initTRPC.context<ApiContext>().create({
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
