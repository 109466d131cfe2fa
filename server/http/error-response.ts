import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { internalErrorMessage, UserError } from "~/lib/errors";

/**
 * What a route handler outside tRPC (a download) answers for a failure, under the contract server/api/trpc.ts
 * gives procedures: a UserError's message with the HTTP status tRPC gives its code (NOT_FOUND 404, CONFLICT 409,
 * ...); anything else 500, logged here with `where` and an id, and shown only as a short message with that id.
 */
export function errorResponse(where: string, error: unknown): Response {
  if (error instanceof UserError) {
    return Response.json({ error: error.message }, { status: getHTTPStatusCodeFromError(new TRPCError({ code: error.code })) });
  }
  return Response.json({ error: internalErrorMessage(where, error) }, { status: 500 });
}
