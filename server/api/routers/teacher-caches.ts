import type { TRPCRouterRecord } from "@trpc/server";
import { z } from "zod";
import { idField } from "~/lib/contracts/text-bounds";
import { teacherCacheBuild, teacherCacheUse } from "~/lib/runs/teacher-cache";
import { teacherCacheRecords } from "~/server/runs/teacher-cache-match";
import { buildTeacherCache, deleteTeacherCache, teacherCacheOffers } from "~/server/runs/teacher-caches";
import { publicProcedure } from "../trpc";

/** Teacher-logit caches (docs/logit-cache.md): built by a teacher_cache job, used by runs instead of the live teacher. */
export const teacherCachesRouter = {
  /** Every cache the studio knows, newest first, built or not. */
  list: publicProcedure.query(({ ctx }) => teacherCacheRecords(ctx.db)),

  /** The caches of a launch form's dataset, each with why its run could not use it (null: it can). */
  forLaunch: publicProcedure.input(teacherCacheUse).query(({ ctx, input }) => teacherCacheOffers(ctx.db, input)),

  /** Queues the teacher_cache job; its id is the cache's. */
  build: publicProcedure.input(teacherCacheBuild).mutation(({ ctx, input }) => buildTeacherCache(ctx.db, ctx.jobs, input)),

  delete: publicProcedure.input(z.object({ id: idField("a cache id") })).mutation(({ ctx, input }) => {
    deleteTeacherCache(ctx.db, input.id);
    return { deleted: input.id };
  }),
} satisfies TRPCRouterRecord;
