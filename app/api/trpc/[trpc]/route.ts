import { apiHandler } from "~/server/api/fetch-handler";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { guarded } from "~/server/http/request-guard";

export const dynamic = "force-dynamic";

const handler = guarded(apiHandler({
  router: appRouter,
  endpoint: "/api/trpc",
  createContext: (req) => createTRPCContext({ headers: req.headers }),
}));

export { handler as GET, handler as POST };
