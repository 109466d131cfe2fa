import { type PipelineSettings, type PipelineSettingsInput, type PipelineSummary, UNCONFIRMED_SETTINGS } from "~/lib/contracts/pipeline";
import { initialPipelineForm } from "~/lib/pipelines/form";
import { BadRequest, Conflict } from "~/lib/errors";
import { sha256Json } from "~/lib/planning";
import { getEndpoint } from "~/server/endpoints/endpoint-store";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { usableRowIds } from "~/server/runs/dataset-split";
import { advance } from "./orchestrator";
import { followPipeline, pipelineChanged } from "./pipeline-changes";
import { insertPipeline, pipelineRow, setPipelineStatus, stepsOf, updateStep } from "./pipeline-store";
import { pipelineSummary } from "./pipeline-view";
import { seedTagPass } from "./round-set";
import type { PipelineDeps } from "./steps";

export { getPipeline, listPipelines } from "./pipeline-view";
export { followPipeline };
export type { PipelineDeps };

/** The pipeline form's start (initialPipelineForm): every setting at its default, the embedded endpoint as teacher and judge; the seed dataset left for the user. */
export function pipelineDefaults(): { settings: Partial<PipelineSettingsInput>; unconfirmed: Record<string, string> } {
  const { seedDatasetId: _, ...settings } = initialPipelineForm(null);
  return { settings, unconfirmed: { ...UNCONFIRMED_SETTINGS } as Record<string, string> };
}

function checkEndpoint(deps: PipelineDeps, id: string, role: string): void {
  if (id === EMBEDDED_ENDPOINT_ID) return;
  try {
    getEndpoint(deps.db, deps.jobs.dataDir, id);
  } catch {
    throw new BadRequest(`the ${role} endpoint ${id} does not exist: choose one of the studio's endpoints`);
  }
}

/** Checks what can be checked before any job runs (the seed pool is tagged and answered, the endpoints exist), stores and starts it. */
export async function createPipeline(deps: PipelineDeps, settings: PipelineSettings): Promise<{ id: string }> {
  seedTagPass(deps.db, settings.seedDatasetId);
  usableRowIds(deps.db, settings.seedDatasetId, { answered: true, why: "a pipeline's seed pool needs answers to train on" });
  checkEndpoint(deps, settings.teacher.endpointId, "teacher's");
  checkEndpoint(deps, settings.judgeEndpointId, "judge");
  const id = insertPipeline(deps.db, settings, await sha256Json(settings));
  void advance(deps, id);
  return { id };
}

export function pausePipeline(deps: PipelineDeps, id: string): PipelineSummary {
  const p = pipelineRow(deps.db, id);
  if (p.status !== "running") throw new Conflict(`pipeline "${p.name}" is ${p.status}; only a running pipeline can be paused`);
  setPipelineStatus(deps.db, id, "paused");
  pipelineChanged(deps.jobs.bus, id);
  return pipelineSummary(deps.db, id);
}

/** Continues a paused pipeline, or a failed one from its failed step (its finished steps are kept). */
export async function resumePipeline(deps: PipelineDeps, id: string): Promise<PipelineSummary> {
  const p = pipelineRow(deps.db, id);
  if (p.status !== "paused" && p.status !== "failed") throw new Conflict(`pipeline "${p.name}" is ${p.status}; only a paused or failed pipeline can be resumed`);
  for (const step of stepsOf(deps.db, id)) {
    if (step.status === "failed" || step.status === "cancelled") updateStep(deps.db, step, step.status, { status: "pending", jobId: null });
  }
  setPipelineStatus(deps.db, id, "running");
  await advance(deps, id);
  return pipelineSummary(deps.db, id);
}

/** Stops a pipeline for good: its running job is cancelled, no other step starts. */
export function cancelPipeline(deps: PipelineDeps, id: string): PipelineSummary {
  const p = pipelineRow(deps.db, id);
  if (p.status === "succeeded" || p.status === "cancelled") throw new Conflict(`pipeline "${p.name}" is ${p.status} already`);
  setPipelineStatus(deps.db, id, "cancelled");
  for (const step of stepsOf(deps.db, id)) {
    if (step.status === "running" && step.jobId) {
      try {
        deps.jobs.cancel(step.jobId);
      } catch {
        // Ended meanwhile: its hook records how.
      }
    }
  }
  pipelineChanged(deps.jobs.bus, id);
  return pipelineSummary(deps.db, id);
}
