import { randomUUID } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets, tagResults } from "~/db/schema";
import { sha256Json } from "~/lib/planning";
import { BadRequest } from "~/lib/errors";

/** The seed pool's newest tag pass: a pipeline needs every seed row typed. */
export function seedTagPass(db: Db, datasetId: string): string {
  const pass = tagPassOf(db, datasetId);
  if (!pass) throw new BadRequest(`the seed dataset ${datasetId} has no task types yet: tag it on its curriculum page first`);
  return pass;
}

/**
 * A frozen copy of some of a dataset's rows as a new ready dataset (the round's set), in the order given, with a
 * tag pass of its own carrying each row's type (its hand label, else the parent pass's label), so the expansion
 * and the rewrite see the same types the selection used. Answers the new dataset's and tag pass's ids.
 */
export function copyRowsAsDataset(db: Db, input: { parentId: string; tagResultId: string; rowIds: readonly number[]; name: string }): { datasetId: string; tagResultId: string } {
  const datasetId = `ds-round-${randomUUID()}`;
  const passId = `tag-round-${randomUUID()}`;
  const parentPass = db.select({ tagger: tagResults.tagger }).from(tagResults).where(eq(tagResults.id, input.tagResultId)).get();
  db.transaction((tx) => {
    tx.insert(datasets)
      .values({ id: datasetId, name: input.name, status: "ready", originalName: input.name, format: "pipeline_round", rowCount: input.rowIds.length, lengthUnit: "chars", parentId: input.parentId })
      .run();
    tx.insert(tagResults).values({ id: passId, datasetId, jobId: "", tagger: parentPass?.tagger ?? "tag pass", rowCount: input.rowIds.length }).run();
    // Raw: one row at a time by position, copying inside SQLite (as the expansion import does for its parent's rows).
    const copy = db.$client.prepare(
      `insert into dataset_rows (dataset_id, idx, source_line, start_line, messages, source, prompt, response, turns,
         prompt_length, response_length, content_hash, is_duplicate, origin, provenance)
       select ?, ?, source_line, start_line, messages, source, prompt, response, turns, length(prompt), length(response),
         content_hash, 0, origin, provenance from dataset_rows where id = ?`,
    );
    const tag = db.$client.prepare(
      `insert into row_tags (result_id, row_id, label, confidence)
       select ?, ?, coalesce(l.label, t.label, 'Others'), coalesce(t.confidence, 1) from dataset_rows d
       left join row_labels l on l.row_id = d.id left join row_tags t on t.row_id = d.id and t.result_id = ? where d.id = ?`,
    );
    input.rowIds.forEach((rowId, idx) => {
      const inserted = copy.run(datasetId, idx, rowId);
      tag.run(passId, inserted.lastInsertRowid, input.tagResultId, rowId);
    });
  });
  return { datasetId, tagResultId: passId };
}

/** A dataset version's content hash: SHA-256 over its rows' content hashes and origins, in order. */
export function datasetHash(db: Db, datasetId: string): Promise<string> {
  // Raw: one small column of every row, as the other whole-dataset reads (bench/raw-sql.bench.ts).
  const rows = db.$client.prepare("select content_hash, origin from dataset_rows where dataset_id = ? order by idx").raw().all(datasetId);
  return sha256Json(rows);
}

/** The dataset a generation job (answer, expand, rewrite) made, once it succeeded. */
export function datasetMadeBy(db: Db, jobId: string): string {
  const row = db.select({ id: datasets.id }).from(datasets).where(eq(datasets.jobId, jobId)).get();
  if (!row) throw new Error(`job ${jobId} succeeded but made no dataset`);
  return row.id;
}

/** The tag pass a dataset carries (its newest). */
export function tagPassOf(db: Db, datasetId: string): string | null {
  return db.select({ id: tagResults.id }).from(tagResults).where(eq(tagResults.datasetId, datasetId)).orderBy(desc(tagResults.createdAt)).limit(1).get()?.id ?? null;
}
