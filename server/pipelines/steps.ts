import { createHash } from "node:crypto";
import { createReadStream, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "~/db/client";
import { type FrozenArtifact, hardShareOfRound } from "~/lib/contracts/pipeline";
import type { TrainJob } from "~/lib/contracts/job";
import { presetRatios, selectRound, sha256Json } from "~/lib/planning";
import { isUserError } from "~/lib/errors";
import { startExpandJob } from "~/server/curriculum/expand-curriculum";
import { rowColumns } from "~/server/curriculum/results";
import { saveCurriculum } from "~/server/curriculum/saved-curricula";
import { connectEndpoint, endpointJobSpec } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { evalDatasetsDir } from "~/server/evaluation/datasets-dir";
import { JUDGE_KEY_ENV, startEvalJob } from "~/server/evaluation/start-eval";
import { startAnswerJob } from "~/server/generation/start-answer";
import { responseCachePath } from "~/server/generation/start-generation";
import { startRewriteJob } from "~/server/generation/start-rewrite";
import type { JobRow } from "~/server/jobs/job-row";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { prepareLaunch } from "~/server/runs/prepare-launch";
import { studentDir } from "~/server/runs/student-folder";
import type { PipelineRow, StepOutput, StepRow } from "./pipeline-store";
import { copyRowsAsDataset, datasetHash, datasetMadeBy, seedTagPass, tagPassOf } from "./round-set";

export type PipelineDeps = { db: Db; jobs: JobManager; embedded: EmbeddedServer };

/** What starting a step did: queued its job, finished at once (select), or found nothing to do. */
export type StepStart = { jobId: string } | { done: StepOutput; frozen: FrozenArtifact[] } | { skipped: string };

/** Where a step stands among the pipeline's others: the outputs of the steps before it that finished. */
export type StepContext = { pipeline: PipelineRow; step: StepRow; steps: StepRow[] };

const finished = (s: StepRow) => s.status === "succeeded";

/** The job.json fields of the generation jobs (answerJob, expandJob, rewriteJob) that hold the templates they were given. */
const TEMPLATE_FIELDS = ["template", "templates", "templates_by_task_type", "answer_template", "answer_templates_by_task_type"] as const;

/** The output of a round's step of this kind, when it finished. */
function outputOf(steps: StepRow[], round: number, kind: StepRow["kind"]): StepOutput | null {
  const s = steps.find((x) => x.round === round && x.kind === kind);
  return s && finished(s) ? s.output : null;
}

/** The round's set as the steps before `kind` left it (select, then expand, answer, rewrite). */
function roundSet(steps: StepRow[], round: number, before: StepRow["kind"]): { datasetId: string; tagResultId: string | null } {
  const order = ["select", "expand", "answer", "rewrite"] as const;
  let current: { datasetId: string; tagResultId: string | null } | null = null;
  for (const kind of order) {
    if (kind === before) break;
    const out = outputOf(steps, round, kind);
    if (out?.datasetId) current = { datasetId: out.datasetId, tagResultId: out.tagResultId ?? null };
  }
  if (!current) throw new Error(`round ${round} has no set before its ${before} step`);
  return current;
}

const teacherEndpoint = (p: PipelineRow) => p.settings.teacher.endpointId;

/** The train job's teacher: the local model, or (endpoint teacher: no logits are used) the embedded model's tokenizer side. */
const teacherModel = (p: PipelineRow): TrainJob["teacher"] => (p.settings.teacher.kind === "local" ? p.settings.teacher.model : { source: "embedded" });

/** SHA-256 of a folder's files (name, size and bytes, in name order): a student checkpoint's identity. */
async function folderHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = (d: string, prefix: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
  for (const rel of walk(dir, "")) {
    hash.update(`${rel}\0${statSync(join(dir, rel)).size}\0`);
    for await (const chunk of createReadStream(join(dir, rel))) hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

const datasetArtifact = async (db: Db, label: string, datasetId: string): Promise<FrozenArtifact> => ({
  kind: "dataset_version",
  label,
  ref: datasetId,
  path: null,
  sha256: await datasetHash(db, datasetId),
});

async function select({ db }: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  const { settings } = p;
  const round = step.round;
  const seedPass = seedTagPass(db, settings.seedDatasetId);
  const scoreResultId = round > 1 ? (outputOf(steps, round - 1, "score")?.scoreResultId ?? null) : null;
  const columns = rowColumns(db, settings.seedDatasetId, seedPass, scoreResultId);
  const answered = new Set(usableRowIds(db, settings.seedDatasetId, { answered: true, why: "a pipeline's seed pool needs answers to train on" }));
  const keep = columns.ids.flatMap((id, i) => (answered.has(id) ? [i] : []));
  const types = keep.map((i) => columns.types[i]);
  const counts: Record<string, number> = {};
  for (const t of types) counts[t] = (counts[t] ?? 0) + 1;
  const ratios = settings.ratios ?? presetRatios("tapir", counts);
  const alpha = scoreResultId ? hardShareOfRound(settings, round) : null;
  const mfd = scoreResultId ? Float64Array.from(keep, (i) => columns.difficulty[i] ?? Number.NaN) : null;
  const selection = selectRound({ types, mfd, budget: settings.budget, ratios, delta: settings.delta, alpha, seed: settings.seed + round });
  const rowIds = Array.from(selection.indices, (i) => columns.ids[keep[i]]);
  const { datasetId, tagResultId } = copyRowsAsDataset(db, { parentId: settings.seedDatasetId, tagResultId: seedPass, rowIds, name: `${p.name} · round ${round} set` });
  const curriculum = await saveCurriculum(db, `${p.name} · round ${round}`, {
    dataset_id: datasetId,
    resample: { tag_result_id: tagResultId, ratio_preset: settings.ratios ? "custom" : "tapir", ratios, n: settings.budget },
    schedule: { mode: "plain" },
    seed: settings.seed + round,
    eval_size: 0,
  });
  const plan = { seed_dataset: settings.seedDatasetId, tag_result_id: seedPass, score_result_id: scoreResultId, ratios, alpha, delta: settings.delta, budget: settings.budget, seed: settings.seed + round, row_ids: rowIds };
  return {
    done: {
      datasetId,
      tagResultId,
      curriculumId: curriculum.id,
      selection: { types: selection.types, hardShare: selection.hardShare },
    },
    frozen: [
      await datasetArtifact(db, `round ${round} selected seed rows`, datasetId),
      { kind: "selection_plan", label: "the selection: seed rows, ratios, α, δ, budget, seed", ref: curriculum.id, path: null, sha256: await sha256Json(plan) },
    ],
  };
}

async function expand(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  if (step.round === 1 && p.settings.firstRoundSet === "resample") return { skipped: "round 1 trains on the seed pool resampled to the ratios (setting firstRoundSet)" };
  const sel = outputOf(steps, step.round, "select")!;
  if (!sel.selection?.types.some((t) => t.toExpand > 0)) return { skipped: "the seed pool fills every task type's target: nothing to expand" };
  try {
    return await startExpandJob(deps.jobs, deps.embedded, { curriculumId: sel.curriculumId!, endpointId: teacherEndpoint(p), nearDuplicateThreshold: 0.9, ...p.settings.expansion });
  } catch (e) {
    // Only types with no seed rows lack: there are no examples to show the teacher.
    if (isUserError(e) && e.code === "BAD_REQUEST" && /nothing to expand/.test(e.message)) return { skipped: e.message };
    throw e;
  }
}

async function answer(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  if (p.settings.teacher.kind === "local") return { skipped: "a local teacher teaches by its logits: the set's answers stay as they are" };
  const { datasetId } = roundSet(steps, step.round, "answer");
  const ids = usableRowIds(deps.db, datasetId);
  return startAnswerJob(deps.jobs, deps.embedded, { datasetId, subset: { kind: "all" }, endpointId: teacherEndpoint(p), temperature: 0.7, maxTokens: p.settings.expansion.maxTokens }, { ids, description: `round ${step.round} set` });
}

async function rewrite(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  if (!p.settings.rewrite) return { skipped: "rewriting is off in this pipeline's settings" };
  const { datasetId } = roundSet(steps, step.round, "rewrite");
  return startRewriteJob(deps.jobs, deps.embedded, { datasetId, endpointId: teacherEndpoint(p), temperature: 0.7, maxTokens: p.settings.expansion.maxTokens });
}

/** The student a round starts from: the initial one, or (continue) the previous round's trained student folder. */
function startingStudent(deps: PipelineDeps, p: PipelineRow, steps: StepRow[], round: number) {
  if (round === 1 || p.settings.studentInit === "restart") return p.settings.student;
  const runId = outputOf(steps, round - 1, "train")!.runId!;
  return { source: "dir" as const, path: trainedStudent(deps, runId) };
}

function trainedStudent({ jobs }: PipelineDeps, runId: string): string {
  const runDir = jobs.runDirOf(runId);
  return studentDir(runDir, JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")) as TrainJob);
}

async function train(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  const { datasetId } = roundSet(steps, step.round, "train");
  const prepared = prepareLaunch(deps.db, {
    ...p.settings.training,
    datasetId,
    name: `${p.name} · round ${step.round}`,
    teacher: teacherModel(p),
    student: startingStudent(deps, p, steps, step.round),
    trainSamples: null,
    seed: p.settings.seed + step.round,
    outputDir: "",
    evaluate: null,
  });
  const job = await deps.jobs.createJob({ kind: "train", name: prepared.name, datasetId, spec: prepared.spec as Record<string, unknown>, files: prepared.files });
  return { jobId: job.id };
}

async function score(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  const { db, jobs, embedded } = deps;
  const runId = outputOf(steps, step.round, "train")!.runId!;
  const seed = p.settings.seedDatasetId;
  const ids = usableRowIds(db, seed, { answered: true });
  const judge = await connectEndpoint(db, jobs.dataDir, embedded, p.settings.judgeEndpointId);
  try {
    const job = await jobs.createJob({
      kind: "score",
      name: `${p.name} · round ${step.round}: MFD of the student (judge ${judge.model})`,
      datasetId: seed,
      spec: {
        scorer: "mfd_judge",
        teacher: teacherModel(p),
        student: { source: "dir", path: trainedStudent(deps, runId) },
        max_new_tokens: p.settings.scoring.maxNewTokens,
        judge_max_tokens: p.settings.scoring.judgeMaxTokens,
        judge_rating_only: p.settings.scoring.judgeFormat === "rating",
        judge: endpointJobSpec(judge),
        datasets_dir: evalDatasetsDir(),
        cache: responseCachePath(jobs.dataDir),
        seed: p.settings.seed + step.round,
        device: p.settings.training.device,
      },
      files: { "data/rows.jsonl": rowLines(db, seed, ids) },
      lease: { env: judge.apiKey ? { [JUDGE_KEY_ENV]: judge.apiKey } : {}, release: judge.release },
    });
    return { jobId: job.id };
  } catch (e) {
    judge.release();
    throw e;
  }
}

function evaluate(deps: PipelineDeps, { pipeline: p, step, steps }: StepContext): Promise<StepStart> {
  const round1Run = outputOf(steps, 1, "train")?.runId;
  const target =
    step.kind === "eval"
      ? { kind: "run_student" as const, runId: outputOf(steps, step.round, "train")!.runId! }
      : { kind: step.kind === "eval_initial" ? ("run_initial" as const) : ("run_teacher" as const), runId: round1Run! };
  if (step.kind === "eval_teacher" && p.settings.teacher.kind === "endpoint") {
    return startEvalJob(deps.jobs, deps.embedded, { ...p.settings.evaluation, judgeEndpointId: p.settings.judgeEndpointId, target: { kind: "endpoint", endpointId: teacherEndpoint(p) } });
  }
  return startEvalJob(deps.jobs, deps.embedded, { ...p.settings.evaluation, judgeEndpointId: p.settings.judgeEndpointId, target });
}

export const STEP_STARTERS: Record<StepRow["kind"], (deps: PipelineDeps, ctx: StepContext) => Promise<StepStart>> = {
  select,
  expand,
  answer,
  rewrite,
  train,
  score,
  eval: evaluate,
  eval_initial: evaluate,
  eval_teacher: evaluate,
};

/** What a step's succeeded job leaves for the steps after it, and what it froze (its job's imports are done). */
export async function finishStep(deps: PipelineDeps, ctx: StepContext, job: JobRow): Promise<{ output: StepOutput; frozen: FrozenArtifact[]; message?: string }> {
  const { db } = deps;
  const { step } = ctx;
  switch (step.kind) {
    case "expand":
    case "answer":
    case "rewrite": {
      const datasetId = datasetMadeBy(db, job.id);
      if (step.kind !== "expand" && answeredRows(db, datasetId) === 0) {
        // Every answer was set aside (too long, refused): the round goes on with its set as it was.
        return { output: {}, frozen: [], message: `the ${step.kind} job set every row aside (its dataset ${datasetId} has no answers): the round keeps the answers it had` };
      }
      // Every template the job was given, the task types' own included (the fields its kind has; the others null).
      const spec = JSON.parse(job.spec) as Record<string, unknown>;
      const templates = Object.fromEntries(TEMPLATE_FIELDS.map((field) => [field, spec[field] ?? null]));
      const output: StepOutput = { datasetId, tagResultId: tagPassOf(db, datasetId) ?? undefined };
      if (step.kind === "expand") output.expanded = expandedByType(db, datasetId, output.tagResultId ?? null);
      return {
        output,
        frozen: [
          await datasetArtifact(db, `round ${step.round} set after ${step.kind}`, datasetId),
          { kind: "templates", label: `${step.kind} templates`, ref: job.id, path: null, sha256: await sha256Json(templates) },
        ],
      };
    }
    case "train": {
      const dir = trainedStudent(deps, job.id);
      return {
        output: { runId: job.id },
        frozen: [{ kind: "student_checkpoint", label: `round ${step.round} student`, ref: job.id, path: dir, sha256: await folderHash(dir) }],
      };
    }
    case "score": {
      // Raw: every seed row's score, as the other whole-dataset reads.
      const scores = db.$client.prepare("select row_id, score from row_scores where result_id = ? order by row_id").raw().all(job.id);
      return { output: { scoreResultId: job.id }, frozen: [{ kind: "scores", label: `round ${step.round} MFD`, ref: job.id, path: null, sha256: await sha256Json(scores) }] };
    }
    default:
      return { output: { evaluationId: job.id }, frozen: [] };
  }
}

function answeredRows(db: Db, datasetId: string): number {
  return db.$client.prepare("select count(*) from dataset_rows where dataset_id = ? and response != ''").pluck().get(datasetId) as number;
}

function expandedByType(db: Db, datasetId: string, tagResultId: string | null): Record<string, number> {
  // Raw: a grouped count over the new dataset's rows.
  const rows = db.$client
    .prepare(
      `select coalesce(t.label, 'Others') as label, count(*) as n from dataset_rows d
       left join row_tags t on t.row_id = d.id and t.result_id = ? where d.dataset_id = ? and d.origin = 'expanded' group by 1`,
    )
    .all(tagResultId ?? "", datasetId) as { label: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.label, r.n]));
}

