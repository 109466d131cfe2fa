import type { Db } from "~/db/client";
import { internalErrorMessage, isUserError } from "~/lib/errors";
import { type JobRow, jobRow } from "~/server/jobs/job-row";
import type { JobBus } from "~/server/jobs/bus";
import type { JobManager } from "~/server/jobs/manager";
import { pipelineChanged } from "./pipeline-changes";
import { type PipelineRow, type StepRow, pipelineRow, pipelinesWithStatus, setPipelineStatus, stepOfJob, stepsOf, updateStep } from "./pipeline-store";
import { type PipelineDeps, type StepContext, STEP_STARTERS, finishStep } from "./steps";

/**
 * Moves pipelines on (docs/pipelines.md). All state is in the database: the steps of every round are rows, and
 * a step is changed only from the status it was read in (updateStep), so a job hook and the start-up reconcile
 * racing over the same step change it once. A step that finished is never started again; a failed one is started
 * again (a new job) only by resume.
 */

/** The orchestrator of each job manager (the studio's; a test studio's): job hooks find it by their manager. */
const registered = new WeakMap<JobManager, PipelineDeps>();

/** One drive of a pipeline at a time: a second request waits for the first and then looks again. */
const driving = new Map<string, Promise<void>>();

/** Execution order: round 1 up to its train step, the baselines (they evaluate round 1's initial student), the rest. */
function runOrder(steps: StepRow[]): StepRow[] {
  const trainPos = steps.find((s) => s.round === 1 && s.kind === "train")?.position ?? 0;
  const rank = (s: StepRow) => (s.round === 0 ? 1 + (trainPos + 0.5) / 10 + s.position / 1000 : s.round + s.position / 10);
  return [...steps].sort((a, b) => rank(a) - rank(b));
}

const isDone = (s: StepRow) => s.status === "succeeded" || s.status === "skipped";

function failPipeline(db: Db, p: PipelineRow, step: StepRow, message: string): void {
  const current = pipelineRow(db, p.id);
  if (current.status === "running" || current.status === "paused") {
    setPipelineStatus(db, p.id, "failed", `round ${step.round} ${step.kind}: ${message}`);
  }
}

/** Records a succeeded step's job: its output and frozen artifacts. False when it was recorded already. */
async function completeJobStep(deps: PipelineDeps, step: StepRow, job: JobRow): Promise<boolean> {
  const p = pipelineRow(deps.db, step.pipelineId);
  const ctx: StepContext = { pipeline: p, step, steps: stepsOf(deps.db, p.id) };
  try {
    const { output, frozen, message } = await finishStep(deps, ctx, job);
    return updateStep(deps.db, step, "running", { status: "succeeded", output, frozen, message: message ?? null, finishedAt: Date.now() });
  } catch (e) {
    const message = isUserError(e) ? e.message : internalErrorMessage(`pipeline ${p.id} step ${step.kind}`, e);
    if (updateStep(deps.db, step, "running", { status: "failed", message, finishedAt: Date.now() })) failPipeline(deps.db, p, step, message);
    return false;
  }
}

async function startStep(deps: PipelineDeps, p: PipelineRow, step: StepRow, steps: StepRow[]): Promise<"continue" | "stop"> {
  const { db } = deps;
  if (!updateStep(db, step, "pending", { status: "running", attempts: step.attempts + 1, message: null, startedAt: Date.now(), finishedAt: null, jobId: null })) return "stop";
  const claimed = { ...step, status: "running" as const };
  try {
    const started = await STEP_STARTERS[step.kind](deps, { pipeline: p, step: claimed, steps });
    if ("jobId" in started) {
      updateStep(db, claimed, "running", { jobId: started.jobId });
      // Looked at again at once: a job that could not even start has ended before its id was recorded here.
      return "continue";
    }
    if ("skipped" in started) {
      updateStep(db, claimed, "running", { status: "skipped", message: started.skipped, finishedAt: Date.now() });
      return "continue";
    }
    updateStep(db, claimed, "running", { status: "succeeded", output: started.done, frozen: started.frozen, finishedAt: Date.now() });
    return "continue";
  } catch (e) {
    const message = isUserError(e) ? e.message : internalErrorMessage(`pipeline ${p.id} step ${step.kind}`, e);
    updateStep(db, claimed, "running", { status: "failed", message, finishedAt: Date.now() });
    failPipeline(db, p, claimed, message);
    return "stop";
  }
}

/** One pass: starts the next step(s) until one waits for its job, the pipeline ends, or it is not running. */
async function drive(deps: PipelineDeps, id: string): Promise<void> {
  const { db } = deps;
  for (;;) {
    const p = pipelineRow(db, id);
    if (p.status !== "running") return;
    const steps = stepsOf(db, id);
    const next = runOrder(steps).find((s) => !isDone(s));
    if (!next) {
      setPipelineStatus(db, id, "succeeded");
      return;
    }
    if (next.status === "failed" || next.status === "cancelled") {
      failPipeline(db, p, next, next.message ?? `the step ${next.status}`);
      return;
    }
    if (next.status === "running") {
      const job = next.jobId ? jobRow(db, next.jobId) : undefined;
      if (!job) {
        // Claimed but its job never recorded (the studio stopped in between, or select was interrupted): again.
        updateStep(db, next, "running", { status: "pending", jobId: null });
        continue;
      }
      if (job.status === "succeeded") {
        if (!(await completeJobStep(deps, next, job))) return;
        continue;
      }
      if (job.status === "failed" || job.status === "cancelled") {
        failJobStep(db, next, job);
        return;
      }
      return; // queued or running: its hook moves us on.
    }
    if ((await startStep(deps, p, next, steps)) !== "continue") return;
  }
}

/** Drives a pipeline, one drive at a time per pipeline. */
export function advance(deps: PipelineDeps, id: string): Promise<void> {
  const previous = driving.get(id) ?? Promise.resolve();
  const run = previous
    .then(() => drive(deps, id))
    .catch((e: unknown) => console.error(`driving pipeline ${id} failed: ${(e as Error).message}`))
    // A drive ends when a step waits for its job, or the pipeline stopped: what it changed is there to show.
    .finally(() => pipelineChanged(deps.jobs.bus, id));
  driving.set(id, run);
  void run.finally(() => {
    if (driving.get(id) === run) driving.delete(id);
  });
  return run;
}

function failJobStep(db: Db, step: StepRow, job: JobRow): void {
  const status = job.status === "cancelled" ? "cancelled" : "failed";
  const message = job.status === "cancelled" ? `job ${job.id} was cancelled` : (job.error ?? `job ${job.id} failed`);
  if (updateStep(db, step, "running", { status, message, finishedAt: Date.now() })) failPipeline(db, pipelineRow(db, step.pipelineId), step, message);
}

/**
 * The composition root's start: remembers the studio's dependencies for the job hooks, then drives every running
 * pipeline once, which re-derives where each stands from its steps and their jobs (a restart's catch-up).
 */
export function startPipelines(deps: PipelineDeps): Promise<void[]> {
  registered.set(deps.jobs, deps);
  return Promise.all(pipelinesWithStatus(deps.db, "running").map((p) => advance(deps, p.id)));
}

/** Job hook (succeeded, after the job's own imports): records the step and moves its pipeline on. */
export async function pipelineJobSucceeded(job: JobRow, jobs: JobManager): Promise<void> {
  const deps = registered.get(jobs);
  const step = stepOfJob(jobs.db, job.id);
  if (!deps || !step || step.status !== "running") return;
  if (await completeJobStep(deps, step, job)) {
    // After the manager has marked the job succeeded (this hook runs before): the drive then reads it so.
    setImmediate(() => void advance(deps, step.pipelineId));
  } else pipelineChanged(jobs.bus, step.pipelineId);
}

/** Job hook (failed or cancelled): the step fails with the job's sentence; its pipeline stops until resumed. */
export function pipelineJobFailed(job: JobRow, db: Db, bus: JobBus): void {
  const step = stepOfJob(db, job.id);
  if (step?.status !== "running") return;
  failJobStep(db, step, job);
  pipelineChanged(bus, step.pipelineId);
}
