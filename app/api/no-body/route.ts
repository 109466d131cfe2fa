import { refuseBody } from "~/server/http/request-guard";

export const dynamic = "force-dynamic";

/** Requests with a body to a path that takes none, rewritten here by next.config.ts with their path as ?path=. */
function handler(req: Request): Response {
  return refuseBody(req, new URL(req.url).searchParams.get("path") ?? new URL(req.url).pathname);
}

export { handler as DELETE, handler as GET, handler as HEAD, handler as OPTIONS, handler as PATCH, handler as POST, handler as PUT };
