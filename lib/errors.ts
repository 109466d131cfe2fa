import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

const USER_ERROR = Symbol.for("distill.UserError");

/** The tRPC codes a refusal meant for the user may carry; everything else is an internal error. */
export type UserErrorCode = Exclude<TRPC_ERROR_CODE_KEY, "INTERNAL_SERVER_ERROR">;

/**
 * A failure meant for the user: its message is shown as it is, under its tRPC code (mapped in one place,
 * server/api/trpc.ts). Any other error a procedure throws is an internal error: logged on the server and
 * shown only as a short message with an id.
 */
export class UserError extends Error {
  /** See isUserError. */
  readonly [USER_ERROR] = true;
  constructor(
    readonly code: UserErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Whether `error` is a UserError from any copy of this module: Next bundles instrumentation.ts (which builds the
 * studio's long-lived objects: the job manager, the embedded endpoint) apart from the routes, each bundle with its
 * own UserError class, so `instanceof` misses a refusal thrown by one of those objects.
 */
export function isUserError(error: unknown): error is UserError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[USER_ERROR] === true;
}

/** A record the request names does not exist. */
export class NotFound extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super("NOT_FOUND", message, options);
  }
}

/** The request is refused as asked (bad input, an action the record's state does not allow). */
export class BadRequest extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super("BAD_REQUEST", message, options);
  }
}

/** The request clashes with work in progress (deleting a dataset that is still importing). */
export class Conflict extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super("CONFLICT", message, options);
  }
}

/**
 * For an error that is not the user's: logs it with `where` and a short id, and returns the message to show
 * instead, which names only that id (the error's own message may hold server paths or SQL).
 */
export function internalErrorMessage(where: string, cause: unknown): string {
  const id = crypto.randomUUID().slice(0, 8);
  console.error(`${where} failed (error id ${id}):`, cause);
  return `internal error (id ${id}): the studio's log has the details`;
}
