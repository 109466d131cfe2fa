import "server-only";
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { NotFound } from "~/lib/errors";
import { createCaller } from "./root";
import type { ApiContext } from "./trpc";

/** The API as a server component calls it: the same procedures, in process, without HTTP. */
export function serverCaller(studio: Omit<ApiContext, "headers">) {
  return createCaller({ ...studio, headers: new Headers() });
}

/**
 * Whether a lookup failed because no record has that id: it does not exist, or the id is not one at all
 * (a 5,000-character id fails the input's bounds). tRPC wraps what a procedure throws.
 */
export function namesNoRecord(error: unknown): boolean {
  if (!(error instanceof TRPCError)) return false;
  return error.code === "NOT_FOUND" || error.cause instanceof NotFound || error.cause instanceof ZodError;
}
