import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { and, count, desc, eq, max } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, datasets, jobEvents, rowTags, tagResults } from "~/db/schema";
import type { ExpandCounts } from "~/lib/contracts/generation";
import type { ExpandJob } from "~/lib/contracts/job";
import { insertGeneratedRows, insertSetAside, jsonLines, type GeneratedRow, type SetAsideRow } from "./generated-rows";

type ExpandedRow = GeneratedRow & { type: string; tag: { label: string; confidence: number; tagger: string } };

/**
 * A succeeded expand job becomes a new ready dataset linked to its parent: the parent's rows as they are (in their
 * order, with their origins), then the new rows (origin "expanded", with provenance); the new instructions whose
 * answer was set aside are its rejected rows. So that the curriculum can be planned again on it, it gets a tag
 * pass of its own: each parent row typed as the curriculum's tag pass typed it (hand labels included), each new
 * row with the tag the job gave it.
 */
export async function importExpansion(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: ExpandJob): Promise<string> {
  const expanded = await jsonLines<ExpandedRow>(join(job.runDir, spec.output));
  const setAside = await jsonLines<SetAsideRow>(join(job.runDir, spec.set_aside));
  const { tag_result_id: tagResultId } = JSON.parse(await readFile(join(job.runDir, "curriculum.json"), "utf8")) as { tag_result_id: string };
  const parentId = job.datasetId!;
  const parent = db.select().from(datasets).where(eq(datasets.id, parentId)).get()!;
  const parentPass = db.select({ tagger: tagResults.tagger }).from(tagResults).where(eq(tagResults.id, tagResultId)).get();
  const id = `ds-expanded-${randomUUID()}`;
  const passId = `tag-expanded-${randomUUID()}`;
  db.transaction((tx) => {
    tx.insert(datasets)
      .values({
        id,
        name: `${parent.name} (expanded by ${spec.endpoint.model})`,
        status: "ready",
        originalName: spec.output,
        format: "expanded",
        rowCount: parent.rowCount + expanded.length,
        rejectedCount: setAside.length,
        lengthUnit: "chars",
        jobId: job.id,
        parentId,
      })
      .run();
    // Raw: copies every row of the parent inside SQLite instead of through JS objects. Lengths are recounted in
    // characters (the parent's may be tokens); SQLite counts code points where JS counts UTF-16 units, which
    // differ only for characters outside the Basic Multilingual Plane.
    db.$client
      .prepare(
        `insert into dataset_rows (dataset_id, idx, source_line, start_line, messages, source, prompt, response, turns,
           prompt_length, response_length, content_hash, is_duplicate, origin, provenance)
         select ?, idx, source_line, start_line, messages, source, prompt, response, turns, length(prompt), length(response),
           content_hash, is_duplicate, origin, provenance
         from dataset_rows where dataset_id = ? order by idx`,
      )
      .run(id, parentId);
    tx.insert(tagResults)
      .values({ id: passId, datasetId: id, jobId: job.id, tagger: `${parentPass?.tagger ?? "tag pass"} + expand`, rowCount: 0 })
      .run();
    // Raw: one statement for every copied row; a hand label wins over the pass's label, as in rowColumns.
    db.$client
      .prepare(
        `insert into row_tags (result_id, row_id, label, confidence)
         select ?, n.id, coalesce(l.label, t.label), case when l.label is null then t.confidence else 1 end
         from dataset_rows p
         join dataset_rows n on n.dataset_id = ? and n.idx = p.idx
         left join row_tags t on t.row_id = p.id and t.result_id = ?
         left join row_labels l on l.row_id = p.id
         where p.dataset_id = ? and coalesce(l.label, t.label) is not null`,
      )
      .run(passId, id, tagResultId, parentId);
    const seen = new Set(
      tx.select({ hash: datasetRows.contentHash }).from(datasetRows).where(eq(datasetRows.datasetId, id)).all().map((r) => r.hash),
    );
    const lastIdx = tx.select({ idx: max(datasetRows.idx) }).from(datasetRows).where(eq(datasetRows.datasetId, id)).get()?.idx ?? -1;
    const { ids, duplicates } = insertGeneratedRows(tx, id, expanded, { startIdx: lastIdx + 1, origin: "expanded", seen });
    if (ids.length) tx.insert(rowTags).values(expanded.map((row, i) => ({ resultId: passId, rowId: ids[i]!, label: row.tag.label, confidence: row.tag.confidence }))).run();
    const tagged = tx.select({ n: count() }).from(rowTags).where(eq(rowTags.resultId, passId)).get()!.n;
    tx.update(tagResults).set({ rowCount: tagged }).where(eq(tagResults.id, passId)).run();
    tx.update(datasets).set({ duplicateCount: parent.duplicateCount + duplicates }).where(eq(datasets.id, id)).run();
    insertSetAside(tx, id, setAside);
  });
  return id;
}

/** What an expand job did, from its done event: per type its target and what it kept, and the counts. */
export type ExpansionSummary = {
  jobId: string;
  types: Record<string, { target: number; kept: number; requests: number; reached: boolean; stopped: string | null }>;
  counts: ExpandCounts;
};

/** The expand job that made a dataset and its summary, or null for a dataset no expand job made. */
export function expansionOf(db: Db, datasetId: string): (ExpansionSummary & { parentId: string | null; tagResultId: string | null }) | null {
  const dataset = db.select({ jobId: datasets.jobId, parentId: datasets.parentId, format: datasets.format }).from(datasets).where(eq(datasets.id, datasetId)).get();
  if (!dataset?.jobId || dataset.format !== "expanded") return null;
  const done = db
    .select({ data: jobEvents.data })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, dataset.jobId), eq(jobEvents.type, "done")))
    .orderBy(desc(jobEvents.seq))
    .get();
  const result = done ? (JSON.parse(done.data) as { result?: Partial<ExpansionSummary> }).result : undefined;
  const pass = db.select({ id: tagResults.id }).from(tagResults).where(and(eq(tagResults.datasetId, datasetId), eq(tagResults.jobId, dataset.jobId))).get();
  return { jobId: dataset.jobId, parentId: dataset.parentId, tagResultId: pass?.id ?? null, types: result?.types ?? {}, counts: result?.counts ?? {} };
}
