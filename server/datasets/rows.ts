import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { RowProvenance } from "~/lib/contracts/generation";
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

/** One page of rows in dataset order with the text cut to a preview; seeks by position, never OFFSET-scans. */
export function rowsPage(db: Db, datasetId: string, page: Page) {
  const { offset, limit } = clampPage(page);
  return db
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
    })
    .from(datasetRows)
    .where(and(eq(datasetRows.datasetId, datasetId), gte(datasetRows.idx, offset)))
    .orderBy(asc(datasetRows.idx))
    .limit(limit)
    .all();
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
