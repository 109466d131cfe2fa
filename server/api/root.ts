import { datasetsRouter } from "./routers/datasets";
import { jobsRouter } from "./routers/jobs";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  datasets: datasetsRouter,
  jobs: jobsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
