import type { TRPCRouterRecord } from "@trpc/server";
import { pipelineProcedures as p } from "~/lib/contracts/pipeline";
import { publicProcedure } from "~/server/api/trpc";
import { cancelPipeline, createPipeline, followPipeline, getPipeline, listPipelines, pausePipeline, pipelineDefaults, resumePipeline } from "~/server/pipelines/pipeline-api";

/** TAPIR's multi-round pipelines (issue 14): shapes in lib/contracts/pipeline.ts. */
export const pipelinesRouter = {
  defaults: publicProcedure.output(p.defaults.output).query(() => pipelineDefaults()),
  create: publicProcedure.input(p.create.input).output(p.create.output).mutation(({ ctx, input }) => createPipeline(ctx, input)),
  list: publicProcedure.output(p.list.output).query(({ ctx }) => listPipelines(ctx.db)),
  get: publicProcedure.input(p.get.input).output(p.get.output).query(({ ctx, input }) => getPipeline(ctx.db, input.id)),
  watch: publicProcedure.input(p.watch.input).subscription(({ ctx, input, signal }) => followPipeline(ctx.db, ctx.jobs.bus, input.id, signal)),
  pause: publicProcedure.input(p.pause.input).output(p.pause.output).mutation(({ ctx, input }) => pausePipeline(ctx, input.id)),
  resume: publicProcedure.input(p.resume.input).output(p.resume.output).mutation(({ ctx, input }) => resumePipeline(ctx, input.id)),
  cancel: publicProcedure.input(p.cancel.input).output(p.cancel.output).mutation(({ ctx, input }) => cancelPipeline(ctx, input.id)),
} satisfies TRPCRouterRecord;
