import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { and, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets, jobEvents, jobs } from "~/db/schema";
import type { TrainJob } from "~/lib/contracts/job";
import type { JobEvent } from "~/lib/contracts/events";
import { parseStoredForm, type LaunchForm } from "~/lib/runs/form";
import { LOG_TAIL } from "~/lib/runs/live-run";
import { NotFound } from "~/lib/errors";
import { onePerStep } from "~/lib/runs/metric-points";
import { jobDurationMs, type JobRow } from "~/server/jobs/job-row";
import { canonicalJson } from "~/lib/planning/content-hash";
import { isModelFolder, studentDir } from "./student-folder";

/** What the runs pages read about train jobs, straight from the jobs and job_events tables. */

/** A train job's row with its dataset's name. */
type RunRow = JobRow & { datasetName: string | null };

export function describeModel(ref: TrainJob["teacher"] | TrainJob["student"]): string {
  switch (ref.source) {
    case "embedded":
      return "SmolLM2-135M (embedded)";
    case "pruned":
      return `teacher pruned to ${ref.num_layers} layers`;
    case "init":
      return "fresh init";
    default:
      return ref.path;
  }
}

/** 1-based places of queued jobs (the job manager's queuePositions()). */
export type QueuePositions = ReadonlyMap<string, number>;

function planSource(job: RunRow, spec: TrainJob): string {
  try {
    return (JSON.parse(readFileSync(join(job.runDir, spec.plan), "utf8")) as { source?: string }).source ?? "?";
  } catch {
    return "missing plan.json";
  }
}

/**
 * The saved curriculum a run was launched from (curriculum.json in its folder), for the compare view: its
 * name, the hash of its spec (same spec, same hash) and the spec for the curriculum diff.
 */
function curriculumOf(job: RunRow): { name: string; hash: string; spec: unknown } | null {
  try {
    const saved = JSON.parse(readFileSync(join(job.runDir, "curriculum.json"), "utf8")) as { name: string; spec: unknown };
    return { name: saved.name, hash: createHash("sha256").update(canonicalJson(saved.spec)).digest("hex"), spec: saved.spec };
  } catch {
    return null;
  }
}

function summarize(job: RunRow, best: Map<string, { eval_loss: number | null; rouge_l: number | null }>, queue: QueuePositions) {
  const spec = JSON.parse(job.spec) as TrainJob;
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    datasetId: job.datasetId,
    datasetName: job.datasetName,
    teacher: describeModel(spec.teacher),
    student: describeModel(spec.student),
    loss: spec.loss.name,
    /** KD + DAE: the DAE phase's domain expert and reference model, in a run that has one. */
    dae: spec.dae ? { expert: describeModel(spec.dae.expert), reference: describeModel(spec.dae.reference) } : null,
    progress: job.progress,
    error: job.error,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    durationMs: jobDurationMs(job),
    bestEvalLoss: best.get(job.id)?.eval_loss ?? null,
    bestRougeL: best.get(job.id)?.rouge_l ?? null,
    queuePosition: queue.get(job.id) ?? null,
  };
}
export type RunSummary = ReturnType<typeof summarize>;

function bestEvals(db: Db, ids: string[] | null) {
  const rows = db
    .select({
      jobId: jobEvents.jobId,
      eval_loss: sql<number | null>`min(json_extract(${jobEvents.data}, '$.eval_loss'))`,
      rouge_l: sql<number | null>`max(json_extract(${jobEvents.data}, '$.rouge_l'))`,
    })
    .from(jobEvents)
    .where(and(eq(jobEvents.type, "eval"), ids ? inArray(jobEvents.jobId, ids) : undefined))
    .groupBy(jobEvents.jobId)
    .all();
  return new Map(rows.map((r) => [r.jobId, r]));
}

function trainJobs(db: Db, ids: string[] | null): RunRow[] {
  return db
    .select({ ...getTableColumns(jobs), datasetName: datasets.name })
    .from(jobs)
    .leftJoin(datasets, eq(datasets.id, jobs.datasetId))
    .where(and(eq(jobs.kind, "train"), ids ? inArray(jobs.id, ids) : undefined))
    .orderBy(desc(jobs.createdAt))
    .all();
}

export function listRuns(db: Db, queue: QueuePositions): RunSummary[] {
  const best = bestEvals(db, null);
  return trainJobs(db, null).map((job) => summarize(job, best, queue));
}

export function oneRun(db: Db, id: string): RunRow {
  const [job] = trainJobs(db, [id]);
  if (!job) throw new RunNotFoundError([id]);
  return job;
}

export class RunNotFoundError extends NotFound {
  constructor(ids: readonly string[]) {
    super(ids.length === 1 ? `run ${ids[0]} does not exist` : `runs ${ids.join(", ")} do not exist`);
  }
}

/**
 * The run's summary, its job.json, plan source, the launch form it came from (for cloning), and where its
 * trained student is (`studentReady` once the folder holds a saved model).
 */
export function getRun(db: Db, id: string, queue: QueuePositions) {
  const job = oneRun(db, id);
  const spec = JSON.parse(job.spec) as TrainJob;
  const studentPath = studentDir(job.runDir, spec);
  return {
    ...summarize(job, bestEvals(db, [id]), queue),
    spec,
    planSource: planSource(job, spec),
    form: launchFormOf(job),
    runDir: job.runDir,
    studentPath,
    studentReady: isModelFolder(studentPath),
  };
}

function launchFormOf(job: RunRow): LaunchForm | null {
  try {
    return parseStoredForm(readFileSync(join(job.runDir, "launch-form.json"), "utf8"));
  } catch {
    return null;
  }
}

function eventsOf<T extends JobEvent["type"]>(db: Db, id: string, type: T, limit?: number) {
  const newestFirst = db
    .select({ data: jobEvents.data })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, id), eq(jobEvents.type, type)))
    .orderBy(desc(jobEvents.seq))
    .$dynamic();
  const rows = limit ? newestFirst.limit(limit).all() : newestFirst.all();
  return rows.reverse().map((r) => JSON.parse(r.data) as Extract<JobEvent, { type: T }>);
}

/**
 * Everything but the metric series that the run page shows, up to `lastSeq`: stage boundaries, evals, the last
 * progress, the log tail and the final event. Live events after `lastSeq` extend it.
 */
export function runSnapshot(db: Db, id: string) {
  oneRun(db, id);
  return db.transaction(() => ({
    lastSeq: db.select({ seq: sql<number>`coalesce(max(${jobEvents.seq}), 0)` }).from(jobEvents).where(eq(jobEvents.jobId, id)).get()!.seq,
    stages: onePerStep(eventsOf(db, id, "stage")),
    phases: onePerStep(eventsOf(db, id, "phase")),
    evals: onePerStep(eventsOf(db, id, "eval")),
    logs: eventsOf(db, id, "log", LOG_TAIL),
    progress: eventsOf(db, id, "progress", 1)[0] ?? null,
    final: [...eventsOf(db, id, "done", 1), ...eventsOf(db, id, "error", 1)].sort((a, b) => b.seq - a.seq)[0] ?? null,
    lastMetric: eventsOf(db, id, "metric", 1)[0] ?? null,
  }));
}
export type RunSnapshot = ReturnType<typeof runSnapshot>;

/** Several runs side by side: settings and the figures a comparison table needs. */
export function compareRuns(db: Db, ids: string[], queue: QueuePositions) {
  const runs = new Map(trainJobs(db, ids).map((j) => [j.id, j]));
  const missing = ids.filter((id) => !runs.has(id));
  if (missing.length) throw new RunNotFoundError(missing);
  const best = bestEvals(db, ids);
  return ids.map((id) => {
    const job = runs.get(id)!;
    const spec = JSON.parse(job.spec) as TrainJob;
    const lastMetric = eventsOf(db, id, "metric", 1)[0] ?? null;
    const evals = eventsOf(db, id, "eval").map((e) => ({ step: e.step, evalLoss: e.eval_loss ?? null }));
    const lastEval = eventsOf(db, id, "eval", 1)[0] ?? null;
    return {
      ...summarize(job, best, queue),
      spec,
      planSource: planSource(job, spec),
      curriculum: curriculumOf(job),
      evals,
      final: {
        loss: lastMetric?.loss ?? null,
        evalLoss: lastEval?.eval_loss ?? null,
        rougeL: lastEval?.rouge_l ?? null,
        tokensPerS: lastMetric?.tokens_per_s ?? null,
        tokensSeen: lastMetric?.tokens_seen ?? null,
        steps: lastMetric?.step ?? null,
      },
    };
  });
}
export type ComparedRun = ReturnType<typeof compareRuns>[number];
