import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets } from "~/db/schema";
import type { ModelRef, TrainJob } from "~/lib/contracts/job";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import type { TrainPlan } from "~/lib/contracts/plan";
import { domainShareProblem, planWithDae } from "~/lib/runs/dae";
import { domainRowIds } from "~/server/datasets/domain-flags";
import { formToTrainJob, plainPlan } from "~/lib/runs/build-spec";
import { endpointExists } from "~/server/endpoints/endpoint-store";
import { launchForm, type LaunchForm, type StudentChoice } from "~/lib/runs/form";
import { type RunSplit, splitRows } from "~/lib/planning/run-split";
import { rowLines, usableRowIds } from "./dataset-split";
import { confinePath, modelRoots, outputRoots } from "./model-roots";
import { confineRef, LaunchError, readableRoots } from "./confine-ref";
import { checkTeacherCache } from "./teacher-cache-match";
import { UserError } from "~/lib/errors";

export { LaunchError };

/** A Hugging Face folder's layer count from its config.json; null when it does not say. */
function layersOf(folder: string): number | null {
  try {
    const layers = (JSON.parse(readFileSync(join(folder, "config.json"), "utf8")) as { num_hidden_layers?: unknown }).num_hidden_layers;
    return typeof layers === "number" ? layers : null;
  } catch {
    return null;
  }
}

/** A pruned student keeps some of a teacher folder's layers (the form checks the embedded teacher itself). */
function checkPrunedLayers(teacher: ModelRef, student: StudentChoice): void {
  if (student.source !== "pruned" || teacher.source !== "dir") return;
  const layers = layersOf(teacher.path);
  if (layers !== null && student.num_layers > layers) {
    throw new LaunchError(`the student keeps at most the teacher's ${layers} layers (its config.json says ${layers}); choose ${layers} or fewer`);
  }
}

/** The judge of "evaluate when the run ends" is connected only then; an endpoint that does not exist now is refused now. */
function checkJudge(db: Db, evaluate: LaunchForm["evaluate"]): void {
  const id = evaluate?.judgeEndpointId;
  if (id && evaluate.suites.some((s) => SUITE_INFO[s.name].judged) && !endpointExists(db, id)) {
    throw new LaunchError(`evaluate when the run ends: the judge endpoint ${id} does not exist; choose one of the endpoints page's`);
  }
}

function defaultName(form: LaunchForm, datasetName: string): string {
  const student = form.student.source === "pruned" ? `${form.student.num_layers}L` : form.student.source;
  return `${datasetName} · ${form.loss.name} · ${student}`;
}

/** The rows a plain launch form trains on: the seeded split of the dataset's answered rows. */
export function formSplit(db: Db, form: Pick<LaunchForm, "datasetId" | "evalSize" | "trainSamples" | "seed">): RunSplit {
  try {
    return splitRows(usableRowIds(db, form.datasetId, { answered: true }), form);
  } catch (e) {
    throw e instanceof UserError ? new LaunchError(e.message, { cause: e }) : e;
  }
}

/** How many of the rows a run trains on are flagged as domain (KD + DAE), of how many. */
export function trainDomainShare(db: Db, datasetId: string, trainIds: readonly number[]): { domain: number; total: number } {
  const flagged = domainRowIds(db, datasetId);
  return { domain: trainIds.filter((id) => flagged.has(id)).length, total: trainIds.length };
}

/**
 * Everything a train job needs from a launch form: the job.json fields (model paths confined to the roots or a
 * finished run's student folder, and made absolute), and the run folder's files: the seeded train/eval split
 * streamed from the dataset, a plain one-stage plan.json, and the form itself (so the run can be cloned exactly).
 * The output roots go into job.json, so the trainer can check its writes against them. A curriculum launch passes
 * the split it planned on (lib/planning/run-plan.ts runRows, from the same splitRows) and its plan. With a DAE
 * phase the plan gains it, every data line carries its row's domain flag, and a split whose training rows are all
 * or none flagged is refused. With a teacher-logit cache the run's teacher, lengths and KD rows must match it
 * (teacher-cache-match.ts), or the launch is refused saying which part differs.
 */
export function prepareLaunch(db: Db, input: unknown, roots = modelRoots(), outputs = outputRoots(), planned?: { split: RunSplit; plan: TrainPlan }) {
  const parsed = launchForm.safeParse(input);
  if (!parsed.success) {
    throw new LaunchError(`invalid launch form: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const form = parsed.data;
  const readRoots = readableRoots(db, roots);
  const teacher = confineRef(form.teacher, readRoots, "teacher");
  const student = confineRef(form.student, readRoots, "student");
  const dae = { ...form.dae, expert: confineRef(form.dae.expert, readRoots, "domain expert"), reference: confineRef(form.dae.reference, readRoots, "reference model") };
  checkPrunedLayers(teacher, student);
  checkJudge(db, form.evaluate);
  let outputDir = "";
  if (form.outputDir.trim()) {
    try {
      outputDir = confinePath(form.outputDir.trim(), outputs, "output");
    } catch (e) {
      throw new LaunchError(`output folder: ${(e as Error).message}`);
    }
  }
  const dataset = db.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, form.datasetId)).get();
  const split = planned?.split ?? formSplit(db, form);
  const plan = planned ? planWithDae(planned.plan, form.dae) : plainPlan(form, split.trainIds.map(String));
  // Each row once, in dataset order: a curriculum's plan may draw only some of the split's rows, and repeat them.
  const trainIds = planned ? [...new Set(planned.plan.stages.flatMap((s) => s.sample_ids))].map(Number).sort((a, b) => a - b) : split.trainIds;
  let flags: ((rowId: number) => { is_domain: boolean }) | undefined;
  if (form.dae.enabled) {
    const flagged = domainRowIds(db, form.datasetId);
    const problem = domainShareProblem(trainDomainShare(db, form.datasetId, trainIds));
    if (problem) throw new LaunchError(`the DAE phase cannot run: ${problem}`);
    flags = (id) => ({ is_domain: flagged.has(id) });
  }
  const spec: TrainJob = {
    ...formToTrainJob({ ...form, teacher, student, dae, outputDir }, { id: "", createdAt: "" }),
    output_roots: outputs,
  };
  if (form.teacherCache) {
    // The rows the trainer looks up in the cache: those of the KD stages that weigh the teacher at all.
    const kdIds = plan.stages.filter((s) => s.phase !== "dae" && s.kd_weight > 0).flatMap((s) => s.sample_ids.map(Number));
    checkTeacherCache(db, form.teacherCache, { datasetId: form.datasetId, teacher, maxLength: spec.max_length, maxPromptLength: spec.max_prompt_length, trainIds: [...new Set(kdIds)] });
  }
  const files = {
    "data/train.jsonl": rowLines(db, form.datasetId, trainIds, flags),
    ...(split.evalIds.length ? { "data/eval.jsonl": rowLines(db, form.datasetId, split.evalIds, flags) } : {}),
    "plan.json": `${JSON.stringify(plan)}\n`,
    "launch-form.json": `${JSON.stringify(form, null, 2)}\n`,
  };
  return { name: form.name.trim() || defaultName(form, dataset?.name ?? form.datasetId), datasetId: form.datasetId, spec, files, split, plan };
}
