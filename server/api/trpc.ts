import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "~/db/client";
import { internalErrorMessage, isUserError } from "~/lib/errors";
import { validationMessage } from "~/lib/validation-messages";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { sseOptions } from "~/server/jobs/event-sse";
import type { JobManager } from "~/server/jobs/manager";

/** What every procedure gets: the studio's database, job manager and embedded endpoint (built once, server/startup.ts). */
export type ApiContext = { db: Db; jobs: JobManager; embedded: EmbeddedServer; headers: Headers };

/** Errors already turned into what the client sees (a procedure's, then formatted for the wire). */
const shownErrors = new WeakSet<TRPCError>();

/**
 * The one place a failure becomes what the client sees: the procedure middleware below applies it (so in-process
 * callers get it too), the error formatter applies it to whatever did not pass there (an error a subscription
 * raises while streaming). A UserError keeps its message under its code; an input that fails its schema is a
 * BAD_REQUEST whose message is sentences (lib/validation-messages), never zod's issues as JSON; tRPC's other own
 * errors pass as they are; anything else is an internal error, logged here with the procedure's path and an id,
 * and shown only as a short message with that id: its message may hold server paths or SQL.
 */
function shownError(path: string | undefined, error: TRPCError): TRPCError {
  if (shownErrors.has(error)) return error;
  const cause = error.cause;
  const shown =
    isUserError(cause)
      ? new TRPCError({ code: cause.code, message: cause.message, cause })
      : cause instanceof ZodError
        ? new TRPCError({ code: "BAD_REQUEST", message: validationMessage(cause), cause })
        : error.code !== "INTERNAL_SERVER_ERROR"
          ? error
          : new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: internalErrorMessage(`tRPC ${path ?? "(no procedure)"}`, cause ?? error) });
  shownErrors.add(shown);
  return shown;
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

const errorPath = t.middleware(async ({ path, next }) => {
  const result = await next();
  if (!result.ok) throw shownError(path, result.error);
  return result;
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure.use(errorPath);
export const createCallerFactory = t.createCallerFactory;
