import { and, asc, count, desc, eq, gte, inArray, isNotNull, lte, type SQL } from "drizzle-orm";
import type { Db } from "~/db/client";
import { evalAnswers, evalSuites, evaluations, jobs } from "~/db/schema";
import type { EvalSuiteResult } from "~/lib/contracts/evaluation";
import type { EvalSettings } from "~/lib/contracts/evaluation-form";
import type { TrainJob } from "~/lib/contracts/job";
import { NotFound } from "~/lib/errors";
import { checkpointSteps } from "~/server/runs/run-disk";
import { oneRun } from "~/server/runs/run-queries";
import { baselineKeys } from "./eval-target";

/** What the evaluation pages read: evaluations with their job's status, each suite's figures, the graded answers. */

const listed = {
  id: evaluations.id,
  runId: evaluations.runId,
  modelKey: evaluations.modelKey,
  role: evaluations.role,
  modelLabel: evaluations.modelLabel,
  settings: evaluations.settings,
  judge: evaluations.judge,
  createdAt: evaluations.createdAt,
  status: jobs.status,
  error: jobs.error,
  notice: jobs.notice,
  jobName: jobs.name,
};

function evaluationRows(db: Db, where: SQL | undefined) {
  const rows = db.select(listed).from(evaluations).innerJoin(jobs, eq(jobs.id, evaluations.id)).where(where).orderBy(desc(evaluations.createdAt)).all();
  const suites = rows.length
    ? db
        .select()
        .from(evalSuites)
        .where(
          inArray(
            evalSuites.evaluationId,
            rows.map((r) => r.id),
          ),
        )
        .all()
    : [];
  return rows.map(({ settings, ...row }) => ({
    ...row,
    settings: JSON.parse(settings) as EvalSettings,
    suites: Object.fromEntries(
      suites
        .filter((s) => s.evaluationId === row.id)
        .map((s) => [
          s.suite,
          {
            items: s.items,
            unparsed: s.unparsed ?? undefined,
            metrics: JSON.parse(s.metrics) as EvalSuiteResult["metrics"],
            by_category: s.byCategory ? (JSON.parse(s.byCategory) as EvalSuiteResult["by_category"]) : undefined,
          } satisfies EvalSuiteResult,
        ]),
    ),
  }));
}
export type EvaluationView = ReturnType<typeof evaluationRows>[number];

export function getEvaluation(db: Db, id: string): EvaluationView {
  const [found] = evaluationRows(db, eq(evaluations.id, id));
  if (!found) throw new NotFound(`evaluation ${id} does not exist`);
  return found;
}

/** Every evaluation, newest first: the evaluations page groups them by model. */
export function listEvaluations(db: Db): EvaluationView[] {
  return evaluationRows(db, undefined);
}

/** The newest succeeded evaluation per model key among `rows` (ordered newest first). */
function newestPerModel(rows: EvaluationView[]): Map<string, EvaluationView> {
  const newest = new Map<string, EvaluationView>();
  for (const row of rows) if (row.status === "succeeded" && !newest.has(row.modelKey)) newest.set(row.modelKey, row);
  return newest;
}

/**
 * A run's Evaluation tab: its own evaluations (student, checkpoints, teacher, initial student, any status), the
 * newest succeeded evaluations of its teacher and initial student made from any run (the same model), and the
 * steps of the checkpoints it keeps (each can be evaluated).
 */
export function runEvaluations(db: Db, runId: string) {
  const run = oneRun(db, runId);
  const keys = baselineKeys(run.id, JSON.parse(run.spec) as TrainJob);
  const own = evaluationRows(db, eq(evaluations.runId, runId));
  const baselines = newestPerModel(evaluationRows(db, inArray(evaluations.modelKey, [keys.teacher, keys.initial])));
  return { own, teacher: baselines.get(keys.teacher) ?? null, initial: baselines.get(keys.initial) ?? null, checkpoints: checkpointSteps(run.runDir) };
}

/** The compare view: each run's newest succeeded student evaluation, and its teacher and initial student as baseline rows (each model once). */
export function compareEvaluations(db: Db, runIds: string[]) {
  const runs = runIds.map((id) => {
    const run = oneRun(db, id);
    return { id, name: run.name, keys: baselineKeys(id, JSON.parse(run.spec) as TrainJob) };
  });
  const students = newestPerModel(evaluationRows(db, and(inArray(evaluations.runId, runIds), eq(evaluations.role, "student"))));
  const baselineKeySet = [...new Set(runs.flatMap((r) => [r.keys.teacher, r.keys.initial]))];
  const baselines = newestPerModel(evaluationRows(db, inArray(evaluations.modelKey, baselineKeySet)));
  return {
    runs: runs.map((r) => ({ runId: r.id, name: r.name, evaluation: students.get(`run:${r.id}:student`) ?? null })),
    baselines: baselineKeySet.flatMap((key) => {
      const found = baselines.get(key);
      if (!found) return [];
      const role = runs.some((r) => r.keys.teacher === key) ? ("teacher" as const) : ("initial" as const);
      return [{ role, evaluation: found }];
    }),
  };
}

export type AnswerFilter = {
  evaluationId: string;
  suite: string;
  category?: string | null;
  minScore?: number | null;
  maxScore?: number | null;
  /** Rule-checked suites (IFEval): only the answers that passed, or only those that failed. */
  passed?: boolean | null;
  /** Another evaluation of the same suite whose answers are shown beside these (a teacher's, an initial student's). */
  compareWith?: string | null;
  offset: number;
  limit: number;
};

/**
 * One page of an evaluation's answers to a suite, filtered by category and score, each with the compared
 * evaluation's answer to the same item, turn and seed (or, when its seeds differ, its first answer to that turn).
 */
export function evaluationAnswers(db: Db, filter: AnswerFilter) {
  const where = and(
    eq(evalAnswers.evaluationId, filter.evaluationId),
    eq(evalAnswers.suite, filter.suite),
    filter.category ? eq(evalAnswers.category, filter.category) : undefined,
    filter.minScore != null ? gte(evalAnswers.score, filter.minScore) : undefined,
    filter.maxScore != null ? lte(evalAnswers.score, filter.maxScore) : undefined,
    filter.passed != null ? eq(evalAnswers.passed, filter.passed) : undefined,
  );
  const total = db.select({ n: count() }).from(evalAnswers).where(where).get()!.n;
  const page = db
    .select()
    .from(evalAnswers)
    .where(where)
    .orderBy(asc(evalAnswers.id))
    .limit(filter.limit)
    .offset(filter.offset)
    .all();
  const others = filter.compareWith
    ? db
        .select()
        .from(evalAnswers)
        .where(
          and(
            eq(evalAnswers.evaluationId, filter.compareWith),
            eq(evalAnswers.suite, filter.suite),
            inArray(evalAnswers.itemId, [...new Set(page.map((a) => a.itemId))]),
          ),
        )
        .orderBy(asc(evalAnswers.id))
        .all()
    : [];
  const matchOf = (a: (typeof page)[number]) =>
    others.find((o) => o.itemId === a.itemId && o.turn === a.turn && o.seed === a.seed) ?? others.find((o) => o.itemId === a.itemId && o.turn === a.turn) ?? null;
  const categories = db
    .selectDistinct({ category: evalAnswers.category })
    .from(evalAnswers)
    .where(and(eq(evalAnswers.evaluationId, filter.evaluationId), eq(evalAnswers.suite, filter.suite), isNotNull(evalAnswers.category)))
    .orderBy(asc(evalAnswers.category))
    .all()
    .map((c) => c.category!);
  return {
    total,
    categories,
    answers: page.map((a) => {
      const other = matchOf(a);
      return { ...a, details: a.details ? (JSON.parse(a.details) as unknown) : null, compared: other ? { answer: other.answer, score: other.score, passed: other.passed, judgeExplanation: other.judgeExplanation } : null };
    }),
  };
}
