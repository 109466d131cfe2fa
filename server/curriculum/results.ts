import { and, asc, between, count, desc, eq, gte, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteSelectQueryBuilder } from "drizzle-orm/sqlite-core";
import type { Db } from "~/db/client";
import { epochMs } from "~/db/epoch-ms";
import { datasetRows, jobs, rowLabels, rowScores, rowTags, scoreResults, tagResults } from "~/db/schema";
import { type ComponentName, componentColumns } from "~/lib/charts/score-components";
import { FALLBACK_TASK_TYPE } from "~/lib/contracts/taxonomy";
import { NotFound } from "~/lib/errors";

const ANALYSIS_KINDS = ["tag", "score", "lengths"] as const;
type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

/** Tag and score passes of a dataset, newest first, with the job that made them (time, state). */
export function analysisResults(db: Db, datasetId: string) {
  const tags = db
    .select({ id: tagResults.id, tagger: tagResults.tagger, rowCount: tagResults.rowCount, createdAt: epochMs(tagResults.createdAt), startedAt: jobs.startedAt, endedAt: jobs.endedAt })
    .from(tagResults)
    .leftJoin(jobs, eq(jobs.id, tagResults.jobId))
    .where(eq(tagResults.datasetId, datasetId))
    .orderBy(desc(tagResults.createdAt))
    .all();
  const scores = db
    .select({
      id: scoreResults.id,
      scorer: scoreResults.scorer,
      models: scoreResults.models,
      rowCount: scoreResults.rowCount,
      createdAt: epochMs(scoreResults.createdAt),
      startedAt: jobs.startedAt,
      endedAt: jobs.endedAt,
    })
    .from(scoreResults)
    .leftJoin(jobs, eq(jobs.id, scoreResults.jobId))
    .where(eq(scoreResults.datasetId, datasetId))
    .orderBy(desc(scoreResults.createdAt))
    .all()
    .map((r) => ({ ...r, models: JSON.parse(r.models) as { teacher: unknown; student: unknown } }));
  const analysisJobs = db
    .select({ id: jobs.id, kind: jobs.kind, status: jobs.status, name: jobs.name, error: jobs.error, progress: jobs.progress, createdAt: jobs.createdAt })
    .from(jobs)
    .where(and(eq(jobs.datasetId, datasetId), inArray(jobs.kind, ANALYSIS_KINDS)))
    .orderBy(desc(jobs.createdAt))
    .limit(30)
    .all()
    // The where clause keeps only these kinds.
    .map((job) => ({ ...job, kind: job.kind as AnalysisKind }));
  const handLabels = db.select({ n: count() }).from(rowLabels).where(eq(rowLabels.datasetId, datasetId)).get()!.n;
  return { tags, scores, jobs: analysisJobs, handLabels };
}

/**
 * One entry per usable row, in dataset order: its task type (hand label, else the chosen tagger's label,
 * else the fallback type) and its difficulty in the chosen score pass (null = unscored). The designer
 * fetches this once and previews on it; the launch plans on the same columns.
 */
export function rowColumns(db: Db, datasetId: string, tagResultId: string | null, scoreResultId: string | null) {
  // Raw: reads every row of the dataset; with drizzle's mapping of each row it took 1.9x the CPU (bench/raw-sql.bench.ts).
  const rows = db.$client
    .prepare(
      `select d.id, coalesce(l.label, t.label) as label, s.difficulty, d.response = '' as promptOnly
       from dataset_rows d
       left join row_labels l on l.row_id = d.id
       left join row_tags t on t.row_id = d.id and t.result_id = ?
       left join row_scores s on s.row_id = d.id and s.result_id = ?
       where d.dataset_id = ? and d.is_duplicate = 0 order by d.idx`,
    )
    .all(tagResultId ?? "", scoreResultId ?? "", datasetId) as { id: number; label: string | null; difficulty: number | null; promptOnly: 0 | 1 }[];
  const ids = new Array<number>(rows.length);
  const types = new Array<string>(rows.length);
  const difficulty = new Array<number | null>(rows.length);
  const promptOnlyAt: number[] = [];
  let unlabelled = 0;
  rows.forEach((r, i) => {
    ids[i] = r.id;
    if (r.label == null) unlabelled++;
    if (r.promptOnly) promptOnlyAt.push(i);
    types[i] = r.label ?? FALLBACK_TASK_TYPE;
    difficulty[i] = r.difficulty;
  });
  // Prompt-only rows stay in the columns (their task types are worth seeing) but runs leave them out (runRows).
  return { ids, types, difficulty, unlabelled, promptOnly: promptOnlyAt.length, promptOnlyAt };
}
export type RowColumns = ReturnType<typeof rowColumns>;

/**
 * The stored measures of a score pass (ROUGE-L, cross-entropies) per usable row, in rowColumns' order, with the
 * start of each prompt, so the designer can draw each measure and show typical rows of a bucket.
 */
export function scoreComponents(db: Db, datasetId: string, scoreResultId: string) {
  // Raw: reads every row of the dataset; with drizzle's mapping of each row it took 1.3x the CPU (bench/raw-sql.bench.ts).
  const rows = db.$client
    .prepare(
      `select substr(d.prompt, 1, 160) as prompt, s.components
       from dataset_rows d left join row_scores s on s.row_id = d.id and s.result_id = ?
       where d.dataset_id = ? and d.is_duplicate = 0 order by d.idx`,
    )
    .all(scoreResultId, datasetId) as { prompt: string; components: string | null }[];
  return { components: componentColumns(rows.map((r) => r.components)), prompts: rows.map((r) => r.prompt) };
}

/** Usable rows of a dataset: every row but second copies of exact duplicates. */
const usable = (datasetId: string) => and(eq(datasetRows.datasetId, datasetId), eq(datasetRows.isDuplicate, false));

/** A row's task type as set: its hand label, else its label in the chosen tag pass (null: neither). */
const effectiveLabel = sql<string | null>`coalesce(${rowLabels.label}, ${rowTags.label})`;

/** A select from dataset_rows, joined to each row's hand label, its label in one tag pass and its score in one score pass. */
function withLabels<Query extends SQLiteSelectQueryBuilder>(query: Query, tagResultId: string | null, scoreResultId: string | null) {
  return query
    .leftJoin(rowLabels, eq(rowLabels.rowId, datasetRows.id))
    .leftJoin(rowTags, and(eq(rowTags.rowId, datasetRows.id), eq(rowTags.resultId, tagResultId ?? "")))
    .leftJoin(rowScores, and(eq(rowScores.rowId, datasetRows.id), eq(rowScores.resultId, scoreResultId ?? "")));
}

/** One component of a row_scores row, as componentColumns reads it. */
const measure = (name: string) => sql<number | null>`json_extract(${rowScores.components}, ${`$.${name}`})`;
const COMPONENT_SQL: Record<ComponentName, SQL<number | null>> = {
  rouge_l: measure("rouge_l"),
  ce: measure("ce"),
  student_ce: measure("student_ce"),
  teacher_ce: measure("teacher_ce"),
  mfd: sql<number | null>`(${measure("student_ce")} - ${measure("teacher_ce")})`,
};

/** A page of rows matching a task type and/or a difficulty range, with their effective label. */
export function filteredRows(
  db: Db,
  q: {
    datasetId: string;
    tagResultId: string | null;
    scoreResultId: string | null;
    type: string | null;
    min: number | null;
    max: number | null;
    /** A range of one stored measure instead of the difficulty (a bin of a component histogram). */
    component?: { name: ComponentName; min: number; max: number } | null;
    offset: number;
    limit: number;
  },
) {
  const where = and(
    usable(q.datasetId),
    q.type ? (q.type === FALLBACK_TASK_TYPE ? or(eq(effectiveLabel, q.type), isNull(effectiveLabel)) : eq(effectiveLabel, q.type)) : undefined,
    q.min != null ? gte(rowScores.difficulty, q.min) : undefined,
    q.max != null ? lte(rowScores.difficulty, q.max) : undefined,
    q.component ? between(COMPONENT_SQL[q.component.name], q.component.min, q.component.max) : undefined,
  );
  const total = withLabels(db.select({ n: count() }).from(datasetRows).$dynamic(), q.tagResultId, q.scoreResultId).where(where).get()!.n;
  const page = db
    .select({
      id: datasetRows.id,
      idx: datasetRows.idx,
      prompt: sql<string>`substr(${datasetRows.prompt}, 1, 200)`,
      handLabel: rowLabels.label,
      tagLabel: rowTags.label,
      confidence: rowTags.confidence,
      difficulty: rowScores.difficulty,
    })
    .from(datasetRows)
    .$dynamic();
  const rows = withLabels(page, q.tagResultId, q.scoreResultId)
    .where(where)
    .orderBy(asc(datasetRows.idx))
    .limit(q.limit)
    .offset(q.offset)
    .all();
  return { total, rows };
}

/** A hand label wins over every tagger's label for that row; null removes it. */
export function setRowLabel(db: Db, rowId: number, label: string | null) {
  const row = db.select({ datasetId: datasetRows.datasetId }).from(datasetRows).where(eq(datasetRows.id, rowId)).get();
  if (!row) throw new NotFound(`row ${rowId} does not exist`);
  if (label == null) db.delete(rowLabels).where(eq(rowLabels.rowId, rowId)).run();
  else {
    const updatedAt = new Date();
    db.insert(rowLabels).values({ rowId, datasetId: row.datasetId, label, updatedAt }).onConflictDoUpdate({ target: rowLabels.rowId, set: { label, updatedAt } }).run();
  }
}
