import type { Db } from "~/db/client";
import {
  type PipelineDetail,
  type PipelineSettings,
  type PipelineSettingsInput,
  type PipelineSummary,
  UNCONFIRMED_SETTINGS,
} from "~/lib/contracts/pipeline";
import { Conflict, NotFound } from "~/lib/errors";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { JobManager } from "~/server/jobs/manager";

/** What the pipeline procedures need of the studio. */
export type PipelineDeps = { db: Db; jobs: JobManager; embedded: EmbeddedServer };

export function pipelineDefaults(): { settings: PipelineSettingsInput; unconfirmed: Record<string, string> } {
  return { settings: {} as PipelineSettingsInput, unconfirmed: { ...UNCONFIRMED_SETTINGS } as Record<string, string> };
}

export function createPipeline(_deps: PipelineDeps, _settings: PipelineSettings): { id: string } {
  throw new Conflict("pipelines are not available yet");
}

export function listPipelines(_db: Db): PipelineSummary[] {
  return [];
}

export function getPipeline(_db: Db, id: string): PipelineDetail {
  throw new NotFound(`no pipeline ${id}`);
}

export function pausePipeline(_deps: PipelineDeps, id: string): PipelineSummary {
  throw new NotFound(`no pipeline ${id}`);
}

export function resumePipeline(_deps: PipelineDeps, id: string): PipelineSummary {
  throw new NotFound(`no pipeline ${id}`);
}

export function cancelPipeline(_deps: PipelineDeps, id: string): PipelineSummary {
  throw new NotFound(`no pipeline ${id}`);
}
