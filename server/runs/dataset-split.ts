import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, datasets } from "~/db/schema";
import { storedMessagesJson } from "~/server/ingest/canonical";
import { BadRequest, NotFound } from "~/lib/errors";

/**
 * Ids of the rows a job may use: every row of a ready dataset except second copies of exact duplicates. With
 * `answered`, only rows with an assistant turn: training and difficulty scoring need a gold answer, while
 * tagging and token counts also take prompts alone; `why` says in the refusal what needs the answers.
 */
export function usableRowIds(db: Db, datasetId: string, { answered = false, why = "training and difficulty scoring need gold answers" } = {}): number[] {
  const dataset = db.select({ name: datasets.name, status: datasets.status }).from(datasets).where(eq(datasets.id, datasetId)).get();
  if (!dataset) throw new NotFound(`dataset ${datasetId} does not exist`);
  if (dataset.status !== "ready") throw new BadRequest(`dataset ${datasetId} is ${dataset.status}, not ready: wait for its import to finish`);
  // Raw: pluck() reads up to millions of ids as plain numbers; drizzle maps a row for each, 4-5x the CPU (bench/raw-sql.bench.ts).
  const ids = db.$client
    .prepare(`select id from dataset_rows where dataset_id = ? and is_duplicate = 0 ${answered ? "and response != ''" : ""} order by idx`)
    .pluck()
    .all(datasetId) as number[];
  if (answered && ids.length === 0) {
    throw new BadRequest(`dataset "${dataset.name}" has no rows with an answer (an assistant turn), only prompts: ${why}`);
  }
  return ids;
}

/** A dataset's rows (second copies of duplicates aside) with their stored messages, in dataset order, a page at a time. */
export function* storedRowPages(db: Db, datasetId: string): Generator<{ id: number; idx: number; messages: string; prompt: string; response: string }[]> {
  // Pages rather than one iterator: an open iterator would keep the shared connection busy across yields.
  const page = db
    .select({ id: datasetRows.id, idx: datasetRows.idx, messages: datasetRows.messages, prompt: datasetRows.prompt, response: datasetRows.response })
    .from(datasetRows)
    .where(and(eq(datasetRows.datasetId, datasetId), eq(datasetRows.isDuplicate, false), gt(datasetRows.idx, sql.placeholder("after"))))
    .orderBy(asc(datasetRows.idx))
    .limit(1000)
    .prepare();
  let after = -1;
  for (;;) {
    const rows = page.all({ after });
    if (rows.length === 0) return;
    after = rows.at(-1)!.idx;
    yield rows;
  }
}

/**
 * The given rows of a dataset as {id, messages} JSONL lines (the trainer's input), in dataset order, read in
 * pages so the dataset is never held in memory; a run folder writes it as data/train.jsonl or data/eval.jsonl.
 * `extra` adds fields to a row's line (the task type of an expand or a rewrite job's row).
 */
export async function* rowLines(db: Db, datasetId: string, rowIds: readonly number[], extra?: (rowId: number) => Record<string, unknown>): AsyncGenerator<string> {
  const wanted = new Set(rowIds);
  const fields = (id: number) => (extra ? JSON.stringify(extra(id)).slice(1, -1).replace(/^(?=.)/, ",") : "");
  for (const rows of storedRowPages(db, datasetId)) {
    const lines = rows.filter((r) => wanted.has(r.id)).map((r) => `{"id":${JSON.stringify(String(r.id))},"messages":${storedMessagesJson(r)}${fields(r.id)}}\n`);
    if (lines.length) yield lines.join("");
  }
}
