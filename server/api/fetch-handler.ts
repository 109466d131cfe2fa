import type { AnyTRPCRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { jobEventsResponse } from "~/server/jobs/event-sse";
import type { ApiContext } from "./trpc";

/**
 * The studio's API over fetch Requests (app/api/trpc/[trpc]/route.ts; tests serve it over node:http): the
 * jobs.events subscription is streamed by server/jobs/event-sse.ts, everything else by tRPC. Procedures' errors
 * are logged where they are mapped (the error formatter in ./trpc.ts).
 */
export function apiHandler(opts: { router: AnyTRPCRouter; endpoint: string; createContext: (req: Request) => ApiContext }) {
  return (req: Request): Response | Promise<Response> => {
    const ctx = opts.createContext(req);
    return (
      jobEventsResponse(ctx.db, ctx.jobs.bus, req, opts.endpoint) ??
      fetchRequestHandler({
        endpoint: opts.endpoint,
        router: opts.router,
        req,
        createContext: () => ctx,
      })
    );
  };
}
