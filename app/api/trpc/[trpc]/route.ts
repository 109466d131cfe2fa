import { apiHandler } from "~/server/api/fetch-handler";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";

export const dynamic = "force-dynamic";

const handler = apiHandler({
  router: appRouter,
  endpoint: "/api/trpc",
  createContext: (req) => createTRPCContext({ headers: req.headers }),
});

export { handler as GET, handler as POST };
