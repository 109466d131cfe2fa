import { apiHandler } from "~/server/api/fetch-handler";
import { appRouter } from "~/server/api/root";
import { startStudio } from "~/server/startup";

export const dynamic = "force-dynamic";

const handler = apiHandler({
  router: appRouter,
  endpoint: "/api/trpc",
  createContext: (req) => ({ ...startStudio(), headers: req.headers }),
});

export { handler as GET, handler as POST };
