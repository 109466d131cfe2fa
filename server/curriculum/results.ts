import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobs } from "~/db/schema";
import { type ComponentName, componentColumns } from "~/lib/charts/score-components";
import { FALLBACK_TASK_TYPE } from "~/lib/contracts/taxonomy";
import { NotFound } from "~/lib/errors";

const ANALYSIS_KINDS = ["tag", "score", "lengths"] as const;
type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

/** Tag and score passes of a dataset, newest first, with the job that made them (time, state). */
export function analysisResults(db: Db, datasetId: string) {
  const sqlite = db.$client;
  const tags = sqlite
    .prepare(
      `select r.id, r.tagger, r.row_count as rowCount, r.created_at as createdAt, j.started_at as startedAt, j.ended_at as endedAt
       from tag_results r left join jobs j on j.id = r.job_id where r.dataset_id = ? order by r.created_at desc`,
    )
    .all(datasetId) as { id: string; tagger: string; rowCount: number; createdAt: number; startedAt: number | null; endedAt: number | null }[];
  const scores = (
    sqlite
      .prepare(
        `select r.id, r.scorer, r.models, r.row_count as rowCount, r.created_at as createdAt, j.started_at as startedAt, j.ended_at as endedAt
         from score_results r left join jobs j on j.id = r.job_id where r.dataset_id = ? order by r.created_at desc`,
      )
      .all(datasetId) as { id: string; scorer: string; models: string; rowCount: number; createdAt: number; startedAt: number | null; endedAt: number | null }[]
  ).map((r) => ({ ...r, models: JSON.parse(r.models) as { teacher: unknown; student: unknown } }));
  const analysisJobs = db
    .select({ id: jobs.id, kind: jobs.kind, status: jobs.status, name: jobs.name, error: jobs.error, progress: jobs.progress, createdAt: jobs.createdAt })
    .from(jobs)
    .where(and(eq(jobs.datasetId, datasetId), inArray(jobs.kind, ANALYSIS_KINDS)))
    .orderBy(desc(jobs.createdAt))
    .limit(30)
    .all()
    // The where clause keeps only these kinds.
    .map((job) => ({ ...job, kind: job.kind as AnalysisKind }));
  const handLabels = sqlite.prepare("select count(*) from row_labels where dataset_id = ?").pluck().get(datasetId) as number;
  return { tags, scores, jobs: analysisJobs, handLabels };
}

/**
 * One entry per usable row, in dataset order: its task type (hand label, else the chosen tagger's label,
 * else the fallback type) and its difficulty in the chosen score pass (null = unscored). The designer
 * fetches this once and previews on it; the launch plans on the same columns.
 */
export function rowColumns(db: Db, datasetId: string, tagResultId: string | null, scoreResultId: string | null) {
  const rows = db.$client
    .prepare(
      `select d.id, coalesce(l.label, t.label) as label, s.difficulty, d.response = '' as prompt_only
       from dataset_rows d
       left join row_labels l on l.row_id = d.id
       left join row_tags t on t.row_id = d.id and t.result_id = ?
       left join row_scores s on s.row_id = d.id and s.result_id = ?
       where d.dataset_id = ? and d.is_duplicate = 0 order by d.idx`,
    )
    .all(tagResultId ?? "", scoreResultId ?? "", datasetId) as { id: number; label: string | null; difficulty: number | null; prompt_only: 0 | 1 }[];
  const ids = new Array<number>(rows.length);
  const types = new Array<string>(rows.length);
  const difficulty = new Array<number | null>(rows.length);
  const promptOnlyAt: number[] = [];
  let unlabelled = 0;
  rows.forEach((r, i) => {
    ids[i] = r.id;
    if (r.label == null) unlabelled++;
    if (r.prompt_only) promptOnlyAt.push(i);
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
  const rows = db.$client
    .prepare(
      `select substr(d.prompt, 1, 160) as prompt, s.components
       from dataset_rows d left join row_scores s on s.row_id = d.id and s.result_id = ?
       where d.dataset_id = ? and d.is_duplicate = 0 order by d.idx`,
    )
    .all(scoreResultId, datasetId) as { prompt: string; components: string | null }[];
  return { components: componentColumns(rows.map((r) => r.components)), prompts: rows.map((r) => r.prompt) };
}

/** SQL for one component of a row_scores row (s), as componentColumns reads it. */
const COMPONENT_SQL: Record<ComponentName, string> = {
  rouge_l: "json_extract(s.components, '$.rouge_l')",
  ce: "json_extract(s.components, '$.ce')",
  student_ce: "json_extract(s.components, '$.student_ce')",
  teacher_ce: "json_extract(s.components, '$.teacher_ce')",
  mfd: "(json_extract(s.components, '$.student_ce') - json_extract(s.components, '$.teacher_ce'))",
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
  const where = ["d.dataset_id = @datasetId", "d.is_duplicate = 0"];
  if (q.type) where.push(q.type === FALLBACK_TASK_TYPE ? "(coalesce(l.label, t.label) = @type or coalesce(l.label, t.label) is null)" : "coalesce(l.label, t.label) = @type");
  if (q.min != null) where.push("s.difficulty >= @min");
  if (q.max != null) where.push("s.difficulty <= @max");
  if (q.component) where.push(`${COMPONENT_SQL[q.component.name]} between @componentMin and @componentMax`);
  const from = `from dataset_rows d
    left join row_labels l on l.row_id = d.id
    left join row_tags t on t.row_id = d.id and t.result_id = @tag
    left join row_scores s on s.row_id = d.id and s.result_id = @score
    where ${where.join(" and ")}`;
  const params = { datasetId: q.datasetId, tag: q.tagResultId ?? "", score: q.scoreResultId ?? "", type: q.type, min: q.min, max: q.max, componentMin: q.component?.min ?? null, componentMax: q.component?.max ?? null };
  const total = db.$client.prepare(`select count(*) ${from}`).pluck().get(params) as number;
  const rows = db.$client
    .prepare(
      `select d.id, d.idx, substr(d.prompt, 1, 200) as prompt, l.label as handLabel, t.label as tagLabel, t.confidence, s.difficulty
       ${from} order by d.idx limit @limit offset @offset`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset }) as {
    id: number;
    idx: number;
    prompt: string;
    handLabel: string | null;
    tagLabel: string | null;
    confidence: number | null;
    difficulty: number | null;
  }[];
  return { total, rows };
}

/** A hand label wins over every tagger's label for that row; null removes it. */
export function setRowLabel(db: Db, rowId: number, label: string | null) {
  const row = db.$client.prepare("select dataset_id from dataset_rows where id = ?").get(rowId) as { dataset_id: string } | undefined;
  if (!row) throw new NotFound(`row ${rowId} does not exist`);
  if (label == null) db.$client.prepare("delete from row_labels where row_id = ?").run(rowId);
  else
    db.$client
      .prepare(
        `insert into row_labels (row_id, dataset_id, label, updated_at) values (?, ?, ?, ?)
         on conflict(row_id) do update set label = excluded.label, updated_at = excluded.updated_at`,
      )
      .run(rowId, row.dataset_id, label, Date.now());
}
