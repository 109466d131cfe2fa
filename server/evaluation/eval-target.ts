import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Db } from "~/db/client";
import type { ModelRef, StudentRef, TrainJob } from "~/lib/contracts/job";
import type { EvalTarget } from "~/lib/contracts/evaluation-form";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { BadRequest } from "~/lib/errors";
import { getEndpoint } from "~/server/endpoints/endpoint-store";
import { confineModelPath, modelRoots } from "~/server/runs/model-roots";
import { checkpointFolder, checkpointSteps } from "~/server/runs/run-disk";
import { describeModel, oneRun } from "~/server/runs/run-queries";
import { isModelFolder, studentDir } from "~/server/runs/student-folder";

export type EvalRole = "student" | "checkpoint" | "teacher" | "initial" | "path" | "endpoint";

/**
 * A local model as the eval job loads it (job.json's model): a pruned or fresh student is made from `base`, and a
 * checkpoint's weights are loaded into the model so made.
 */
export type LocalModel = { ref: StudentRef; base?: ModelRef; checkpoint?: string };

/** What an evaluation target comes to: the model to load or call, and how the pages name and group it. */
export type ResolvedTarget = {
  runId: string | null;
  role: EvalRole;
  /** The same model gets the same key whichever run or form asked for it (the baselines of the compare view). */
  modelKey: string;
  label: string;
  model: { type: "local"; local: LocalModel } | { type: "endpoint"; endpointId: string };
  /** The run's held-out split, for the heldout suite. */
  heldoutData: string | null;
};

/** The key of a model reference: its source and, for a file or folder, its real path. */
export function refKey(ref: ModelRef): string {
  return ref.source === "embedded" ? "embedded" : `${ref.source}:${ref.path}`;
}

/** A run's initial student: pruned and fresh students are made from the teacher the same way every time (pruning) or from the run's seed (init). */
function initialKey(runId: string, spec: TrainJob): string {
  const student = spec.student;
  if (student.source === "pruned") return `pruned:${refKey(spec.teacher)}:${student.layers?.join(",") ?? student.num_layers}`;
  if (student.source === "init") return `init:${runId}`;
  return refKey(student);
}

/** The model keys of a run's teacher and initial student: its baselines. */
export function baselineKeys(runId: string, spec: TrainJob): { teacher: string; initial: string } {
  return { teacher: refKey(spec.teacher), initial: initialKey(runId, spec) };
}

/** `runFinishing`: the run's succeeded hook asks, before the run is marked succeeded. */
type ResolveOptions = { roots?: string[]; runFinishing?: boolean };

function runTarget(db: Db, target: Extract<EvalTarget, { runId: string }>, options: ResolveOptions): ResolvedTarget {
  const run = oneRun(db, target.runId);
  const spec = JSON.parse(run.spec) as TrainJob;
  const heldout = spec.eval_data ? resolve(run.runDir, spec.eval_data) : null;
  const base = { runId: run.id, heldoutData: heldout && existsSync(heldout) ? heldout : null };
  const student = studentDir(run.runDir, spec);
  switch (target.kind) {
    case "run_student":
      if (!(run.status === "succeeded" || (options.runFinishing && run.status === "running")) || !isModelFolder(student)) {
        throw new BadRequest(`run "${run.name}" has no trained student yet (${run.status}); evaluate its teacher or initial student, or wait until it succeeds`);
      }
      return { ...base, role: "student", modelKey: `run:${run.id}:student`, label: `student of ${run.name}`, model: { type: "local", local: { ref: { source: "dir", path: student } } } };
    case "run_teacher":
      return { ...base, role: "teacher", modelKey: refKey(spec.teacher), label: `teacher: ${describeModel(spec.teacher)}`, model: { type: "local", local: { ref: spec.teacher } } };
    case "run_checkpoint": {
      // A checkpoint holds only weights: the eval job builds the run's student as the run did and loads them.
      const kept = checkpointSteps(run.runDir);
      if (!kept.includes(target.step)) {
        const has = kept.length ? `it keeps the checkpoints at step ${kept.join(", ")}` : "it keeps no checkpoint";
        throw new BadRequest(`run "${run.name}" has no checkpoint at step ${target.step}: ${has}`);
      }
      return {
        ...base,
        role: "checkpoint",
        modelKey: `run:${run.id}:step:${target.step}`,
        label: `checkpoint at step ${target.step} of ${run.name}`,
        model: { type: "local", local: { ref: spec.student, base: spec.teacher, checkpoint: checkpointFolder(run.runDir, target.step) } },
      };
    }
    case "run_initial":
      return {
        ...base,
        role: "initial",
        modelKey: initialKey(run.id, spec),
        label: `initial student: ${describeModel(spec.student)}`,
        model: { type: "local", local: { ref: spec.student, base: spec.teacher } },
      };
  }
}

/** Resolves what the form named; a path must lie in the model roots, an endpoint must exist. */
export function resolveTarget(db: Db, dataDir: string, target: EvalTarget, options: ResolveOptions = {}): ResolvedTarget {
  if (target.kind === "path") {
    let path: string;
    try {
      path = confineModelPath(target.source, target.path, options.roots ?? modelRoots());
    } catch (e) {
      throw new BadRequest(`model: ${(e as Error).message}`);
    }
    const ref: ModelRef = { source: target.source, path };
    return { runId: null, role: "path", modelKey: refKey(ref), label: path, model: { type: "local", local: { ref } }, heldoutData: null };
  }
  if (target.kind === "endpoint") {
    const label = target.endpointId === EMBEDDED_ENDPOINT_ID ? "embedded endpoint (SmolLM2-135M-Instruct)" : `${getEndpoint(db, dataDir, target.endpointId).name} (endpoint)`;
    return { runId: null, role: "endpoint", modelKey: `endpoint:${target.endpointId}`, label, model: { type: "endpoint", endpointId: target.endpointId }, heldoutData: null };
  }
  return runTarget(db, target, options);
}
