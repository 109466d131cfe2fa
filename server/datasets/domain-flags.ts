import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, rowLabels, rowTags, tagResults } from "~/db/schema";
import type { RowOrigin } from "~/lib/contracts/generation";
import { FALLBACK_TASK_TYPE } from "~/lib/contracts/taxonomy";
import { BadRequest, NotFound } from "~/lib/errors";
import { matchingRowIds } from "./search";

/**
 * KD + DAE's domain flags (dataset_rows.is_domain): a DAE phase distils a flagged row from the domain expert and
 * every other row from the reference model. An import sets them from a column; here they are set by task type,
 * by hand (one row, or every row a search finds) and counted.
 */

/** Usable rows (second copies of exact duplicates aside) and how many of them are flagged. */
export function domainShare(db: Db, datasetId: string): { domain: number; total: number } {
  const usable = and(eq(datasetRows.datasetId, datasetId), eq(datasetRows.isDuplicate, false));
  const { total, domain } = db
    .select({ total: count(), domain: sql<number>`coalesce(sum(${datasetRows.isDomain}), 0)` })
    .from(datasetRows)
    .where(usable)
    .get()!;
  return { domain, total };
}

/** Which of the given rows are flagged: what a DAE run's data files carry per row. */
export function domainRowIds(db: Db, datasetId: string): Set<number> {
  // Raw: pluck() reads the ids as plain numbers, however many rows are flagged (as usableRowIds).
  const ids = db.$client.prepare("select id from dataset_rows where dataset_id = ? and is_domain = 1").pluck().all(datasetId) as number[];
  return new Set(ids);
}

/**
 * Flags the rows whose task type is one of `types`: a row's hand label, else its label in the tag pass, else the
 * fallback type (as the curriculum designer reads them). `replace` unflags every other row, so the flags are then
 * exactly these types; otherwise flags set before stay. Returns how many rows are flagged afterwards.
 */
export function flagByTaskType(db: Db, q: { datasetId: string; tagResultId: string | null; types: string[]; replace: boolean }): { domain: number; total: number } {
  if (q.types.length === 0) throw new BadRequest("choose at least one task type whose rows are the domain");
  if (q.tagResultId !== null) {
    const pass = db.select({ datasetId: tagResults.datasetId }).from(tagResults).where(eq(tagResults.id, q.tagResultId)).get();
    if (!pass || pass.datasetId !== q.datasetId) throw new NotFound(`tag pass ${q.tagResultId} is not one of this dataset's (it may have been deleted)`);
  }
  const label = sql`coalesce(
    (select ${rowLabels.label} from ${rowLabels} where ${rowLabels.rowId} = ${datasetRows.id}),
    (select ${rowTags.label} from ${rowTags} where ${rowTags.rowId} = ${datasetRows.id} and ${rowTags.resultId} = ${q.tagResultId ?? ""}),
    ${FALLBACK_TASK_TYPE})`;
  const inTypes = inArray(label, q.types);
  db.transaction((tx) => {
    if (q.replace) tx.update(datasetRows).set({ isDomain: sql`${inTypes}` }).where(eq(datasetRows.datasetId, q.datasetId)).run();
    else tx.update(datasetRows).set({ isDomain: true }).where(and(eq(datasetRows.datasetId, q.datasetId), inTypes)).run();
  });
  return domainShare(db, q.datasetId);
}

/** One row's flag, by its position in the dataset. */
export function setRowDomain(db: Db, datasetId: string, idx: number, isDomain: boolean): void {
  const result = db
    .update(datasetRows)
    .set({ isDomain })
    .where(and(eq(datasetRows.datasetId, datasetId), eq(datasetRows.idx, idx)))
    .run();
  if (result.changes === 0) throw new NotFound(`row #${idx} does not exist in this dataset`);
}

/** Rows updated per statement: bounds SQLite's bound parameters. */
const CHUNK = 5000;

/** Sets the flag of every row a search finds (of one origin and flag, when given); returns how many rows it touched. */
export async function setSearchDomain(db: Db, datasetId: string, text: string, origin: RowOrigin | null, domain: boolean | null, isDomain: boolean): Promise<number> {
  const ids = await matchingRowIds(db, datasetId, text, origin, domain);
  if (ids.length === 0) throw new BadRequest(`no row matches “${text.trim()}”: nothing was ${isDomain ? "flagged" : "unflagged"}`);
  db.transaction((tx) => {
    for (let i = 0; i < ids.length; i += CHUNK) {
      tx.update(datasetRows).set({ isDomain }).where(inArray(datasetRows.id, ids.slice(i, i + CHUNK))).run();
    }
  });
  return ids.length;
}
