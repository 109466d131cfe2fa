import { curriculumRouter } from "./routers/curriculum";
import { datasetsRouter } from "./routers/datasets";
import { endpointsRouter } from "./routers/endpoints";
import { evaluationRouter } from "./routers/evaluation";
import { generationRouter } from "./routers/generation";
import { jobsRouter } from "./routers/jobs";
import { pipelinesRouter } from "./routers/pipelines";
import { runsRouter } from "./routers/runs";
import { teacherCachesRouter } from "./routers/teacher-caches";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  runs: runsRouter,
  datasets: datasetsRouter,
  jobs: jobsRouter,
  curriculum: curriculumRouter,
  endpoints: endpointsRouter,
  generation: generationRouter,
  evaluation: evaluationRouter,
  pipelines: pipelinesRouter,
  teacherCaches: teacherCachesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
