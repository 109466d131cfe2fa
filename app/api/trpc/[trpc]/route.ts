import { apiHandler } from "~/server/api/fetch-handler";
import { appRouter } from "~/server/api/root";
import { guarded } from "~/server/http/request-guard";
import { studio } from "~/server/startup";

export const dynamic = "force-dynamic";

const handler = guarded(
  apiHandler({
    router: appRouter,
    endpoint: "/api/trpc",
    createContext: (req) => ({ ...studio(), headers: req.headers }),
  }),
);

export { handler as GET, handler as POST };
