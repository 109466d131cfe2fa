import { desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { tagResults } from "~/db/schema";

/**
 * Each row's task type for an answer or rewrite job, which picks the row's template by it: its hand label, else
 * its label in the dataset's latest tag result. Rows with neither are not in the map, and the job gives them the
 * default template.
 */
export function taskTypesOf(db: Db, datasetId: string): Map<number, string> {
  const latest = db.select({ id: tagResults.id }).from(tagResults).where(eq(tagResults.datasetId, datasetId)).orderBy(desc(tagResults.createdAt)).limit(1).get();
  // Raw: reads a label for every row of the dataset, as rowColumns in server/curriculum does (bench/raw-sql.bench.ts).
  const rows = db.$client
    .prepare(
      `select d.id, coalesce(l.label, t.label) as label from dataset_rows d
       left join row_labels l on l.row_id = d.id
       left join row_tags t on t.row_id = d.id and t.result_id = ?
       where d.dataset_id = ? and coalesce(l.label, t.label) is not null`,
    )
    .all(latest?.id ?? "", datasetId) as { id: number; label: string }[];
  return new Map(rows.map((r) => [r.id, r.label]));
}
