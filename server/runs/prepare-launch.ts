import type { Db } from "~/db/client";
import type { ModelRef, TrainJob } from "~/lib/contracts/job";
import { formToTrainJob, plainPlan } from "~/lib/runs/build-spec";
import { launchForm, type LaunchForm, type StudentChoice } from "~/lib/runs/form";
import { finishedStudents } from "./student-folder";
import { rowLines, splitRows, usableRowIds } from "./dataset-split";
import { confineModelPath, confinePath, modelRoots } from "./model-roots";
import { BadRequest, UserError } from "~/lib/errors";

/** Thrown for a form the server refuses (paths outside the roots, an unusable dataset); the message says why. */
export class LaunchError extends BadRequest {}

function confineRef<T extends ModelRef | StudentChoice>(ref: T, roots: string[], role: string): T {
  if (ref.source !== "dir" && ref.source !== "gguf") return ref;
  try {
    return { ...ref, path: confineModelPath(ref.source, ref.path, roots) };
  } catch (e) {
    throw new LaunchError(`${role}: ${(e as Error).message}`);
  }
}

function defaultName(form: LaunchForm, datasetName: string): string {
  const student = form.student.source === "pruned" ? `${form.student.num_layers}L` : form.student.source;
  return `${datasetName} · ${form.loss.name} · ${student}`;
}

/**
 * Everything a train job needs from a launch form: the job.json fields (model paths confined to the roots or a
 * finished run's student folder, and made absolute), and the run folder's files: the seeded train/eval split streamed from the dataset, a plain
 * one-stage plan.json, and the form itself (so the run can be cloned exactly).
 */
export function prepareLaunch(db: Db, input: unknown, roots = modelRoots()) {
  const parsed = launchForm.safeParse(input);
  if (!parsed.success) {
    throw new LaunchError(`invalid launch form: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const form = parsed.data;
  // Finished runs' students may be read (as teacher or initial student), never written to as an output folder.
  const readRoots = [...roots, ...finishedStudents(db).map((s) => s.path)];
  const teacher = confineRef(form.teacher, readRoots, "teacher");
  const student = confineRef(form.student, readRoots, "student");
  let outputDir = "";
  if (form.outputDir.trim()) {
    try {
      outputDir = confinePath(form.outputDir.trim(), roots);
    } catch (e) {
      throw new LaunchError(`output folder: ${(e as Error).message}`);
    }
  }
  const dataset = db.$client.prepare("select name from datasets where id = ?").get(form.datasetId) as { name: string } | undefined;
  let split;
  try {
    split = splitRows(usableRowIds(db, form.datasetId, { answered: true }), form);
  } catch (e) {
    throw e instanceof UserError ? new LaunchError(e.message, { cause: e }) : e;
  }
  const spec: TrainJob = formToTrainJob({ ...form, teacher, student, outputDir }, { id: "", createdAt: "" });
  const files = {
    "data/train.jsonl": rowLines(db, form.datasetId, split.trainIds),
    ...(split.evalIds.length ? { "data/eval.jsonl": rowLines(db, form.datasetId, split.evalIds) } : {}),
    "plan.json": `${JSON.stringify(plainPlan(form, split.trainIds.map(String)))}\n`,
    "launch-form.json": `${JSON.stringify(form, null, 2)}\n`,
  };
  return { name: form.name.trim() || defaultName(form, dataset?.name ?? form.datasetId), datasetId: form.datasetId, spec, files, split };
}
