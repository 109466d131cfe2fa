import { and, asc, count, eq, gte, ne, sql } from "drizzle-orm";
import { ROW_ORIGINS, type RowOrigin, type RowProvenance } from "~/lib/contracts/generation";
import type { Db } from "~/db/client";
import { datasetRows, rejectedRows as rejectedTable } from "~/db/schema";
import { storedMessages, storedSource } from "~/server/ingest/canonical";

export interface Page {
  offset: number;
  limit: number;
}

export const MAX_PAGE = 500;
const PREVIEW_CHARS = 300;

function clampPage({ offset, limit }: Page): Page {
  return { offset: Math.max(0, Math.floor(offset)), limit: Math.min(MAX_PAGE, Math.max(1, Math.floor(limit))) };
}

/** Rows of one origin and/or domain flag (null: any). */
export interface RowFilter {
  origin: RowOrigin | null;
  domain: boolean | null;
}

const filterWhere = (datasetId: string, { origin, domain }: RowFilter) =>
  and(eq(datasetRows.datasetId, datasetId), origin === null ? undefined : eq(datasetRows.origin, origin), domain === null ? undefined : eq(datasetRows.isDomain, domain));

/**
 * One page of rows in dataset order with the text cut to a preview; seeks by position, never OFFSET-scans. Rows
 * of one origin or domain flag only are paged with OFFSET: neither is indexed, and the pages a person scrolls
 * through a filter are the first few.
 */
export function rowsPage(db: Db, datasetId: string, page: Page, origin: RowOrigin | null = null, domain: boolean | null = null) {
  const { offset, limit } = clampPage(page);
  const query = db
    .select({
      id: datasetRows.id,
      idx: datasetRows.idx,
      sourceLine: datasetRows.sourceLine,
      prompt: sql<string>`substr(${datasetRows.prompt}, 1, ${PREVIEW_CHARS})`,
      response: sql<string>`substr(${datasetRows.response}, 1, ${PREVIEW_CHARS})`,
      turns: datasetRows.turns,
      promptLength: datasetRows.promptLength,
      responseLength: datasetRows.responseLength,
      isDuplicate: datasetRows.isDuplicate,
      origin: datasetRows.origin,
      isDomain: datasetRows.isDomain,
    })
    .from(datasetRows);
  if (origin === null && domain === null) return query.where(and(eq(datasetRows.datasetId, datasetId), gte(datasetRows.idx, offset))).orderBy(asc(datasetRows.idx)).limit(limit).all();
  return query.where(filterWhere(datasetId, { origin, domain })).orderBy(asc(datasetRows.idx)).limit(limit).offset(offset).all();
}

/** How many rows of a dataset pass a filter. */
export function filteredCount(db: Db, datasetId: string, filter: RowFilter): number {
  return db.select({ n: count() }).from(datasetRows).where(filterWhere(datasetId, filter)).get()!.n;
}

/** How many rows of a dataset have each origin, and how many have an answer (what a rewrite needs). */
export function originCounts(db: Db, datasetId: string) {
  const counts = Object.fromEntries(ROW_ORIGINS.map((o) => [o, 0])) as Record<RowOrigin, number>;
  const byOrigin = db.select({ origin: datasetRows.origin, n: count() }).from(datasetRows).where(eq(datasetRows.datasetId, datasetId)).groupBy(datasetRows.origin).all();
  for (const { origin, n } of byOrigin) counts[origin] = n;
  const withAnswers = db.select({ n: count() }).from(datasetRows).where(and(eq(datasetRows.datasetId, datasetId), ne(datasetRows.response, ""))).get()!.n;
  return { counts, withAnswers };
}

/** A whole row with its conversation and original Alpaca fields parsed; undefined when there is none at idx. */
export function getRow(db: Db, datasetId: string, idx: number) {
  const row = db
    .select()
    .from(datasetRows)
    .where(and(eq(datasetRows.datasetId, datasetId), eq(datasetRows.idx, idx)))
    .get();
  if (!row) return undefined;
  return {
    ...row,
    messages: storedMessages(row),
    source: storedSource(row),
    provenance: row.provenance === null ? null : (JSON.parse(row.provenance) as RowProvenance),
  };
}

/** Rejected records in file order, with the line/row and reason. */
export function rejectedRows(db: Db, datasetId: string, page: Page) {
  const { offset, limit } = clampPage(page);
  return db
    .select({ sourceLine: rejectedTable.sourceLine, startLine: rejectedTable.startLine, reason: rejectedTable.reason, raw: rejectedTable.raw })
    .from(rejectedTable)
    .where(eq(rejectedTable.datasetId, datasetId))
    .orderBy(asc(rejectedTable.sourceLine), asc(rejectedTable.id))
    .limit(limit)
    .offset(offset)
    .all();
}
