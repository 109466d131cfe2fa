import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { readThreads, type ReadStatement } from "~/db/read-threads";
import { datasetRows } from "~/db/schema";
import type { RowOrigin } from "~/lib/contracts/generation";
import { type Page } from "./rows";

/** Markers around matched terms in snippets (private-use characters, so row text cannot forge them). */
export const SNIPPET_OPEN = "\uE000";
export const SNIPPET_CLOSE = "\uE001";
const SNIPPET_TOKENS = 16;
/** Counting stops here: a word in every row of a million would otherwise cost a full scan per keystroke. */
export const MAX_COUNT = 10_000;

/**
 * The user's text as an FTS5 query: every whitespace-separated word becomes a quoted string (quotes
 * doubled), so operators, column filters and stray punctuation are searched for literally; all must match.
 */
export function toFtsQuery(text: string): string | null {
  const words = text.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
}

/** The first or last id of a dataset's rows (one import writes them in idx order, so ids rise with idx). */
function edgeId(db: Db, datasetId: string, order: typeof asc): ReadStatement {
  // As SQL text: the read threads prepare statements on connections of their own.
  const { sql, params } = db.select({ id: datasetRows.id }).from(datasetRows).where(eq(datasetRows.datasetId, datasetId)).orderBy(order(datasetRows.idx)).limit(1).toSQL();
  return { sql, args: params, get: true, pluck: true };
}

// Raw, as COUNT_SQL and IDS_SQL: FTS5's MATCH and snippet() on the dataset_rows_fts virtual table, which drizzle does not model.
const HITS_SQL = `SELECT r.id AS id, r.idx AS idx, r.is_domain AS isDomain,
    snippet(dataset_rows_fts, 0, ?, ?, '…', ${SNIPPET_TOKENS}) AS promptSnippet,
    snippet(dataset_rows_fts, 1, ?, ?, '…', ${SNIPPET_TOKENS}) AS responseSnippet
  FROM dataset_rows_fts JOIN dataset_rows r ON r.id = dataset_rows_fts.rowid
  WHERE dataset_rows_fts MATCH ? AND dataset_rows_fts.rowid BETWEEN ? AND ? AND r.dataset_id = ? AND (? IS NULL OR r.origin = ?)
    AND (? IS NULL OR r.is_domain = ?)
  ORDER BY dataset_rows_fts.rowid LIMIT ? OFFSET ?`;

const COUNT_SQL = `SELECT count(*) FROM (SELECT 1 FROM dataset_rows_fts JOIN dataset_rows r ON r.id = dataset_rows_fts.rowid
  WHERE dataset_rows_fts MATCH ? AND dataset_rows_fts.rowid BETWEEN ? AND ? AND r.dataset_id = ? AND (? IS NULL OR r.origin = ?)
    AND (? IS NULL OR r.is_domain = ?) LIMIT ?)`;

const IDS_SQL = `SELECT r.id FROM dataset_rows_fts JOIN dataset_rows r ON r.id = dataset_rows_fts.rowid
  WHERE dataset_rows_fts MATCH ? AND dataset_rows_fts.rowid BETWEEN ? AND ? AND r.dataset_id = ? AND r.is_duplicate = 0
    AND (? IS NULL OR r.origin = ?) AND (? IS NULL OR r.is_domain = ?)
  ORDER BY dataset_rows_fts.rowid`;

export interface SearchHit {
  id: number;
  idx: number;
  /** 0 or 1, as SQLite stores it. */
  isDomain: number;
  promptSnippet: string;
  responseSnippet: string;
}

/** SQL parameters of the domain filter (true: flagged rows only, false: the others, null: every row). */
const domainArgs = (domain: boolean | null) => (domain === null ? [null, null] : [Number(domain), Number(domain)]);

/**
 * Ids of every row the search matches (no cap; of one origin and domain flag, when given), duplicates aside, in
 * dataset order: what a job over a search takes.
 */
export async function matchingRowIds(db: Db, datasetId: string, text: string, origin: RowOrigin | null = null, domain: boolean | null = null): Promise<number[]> {
  const query = toFtsQuery(text);
  if (!query) return [];
  const threads = readThreads(db);
  const [first, last] = (await threads.run([edgeId(db, datasetId, asc), edgeId(db, datasetId, desc)])) as [number | undefined, number | undefined];
  if (first === undefined || last === undefined) return [];
  const [ids] = (await threads.run([{ sql: IDS_SQL, args: [query, first, last, datasetId, origin, origin, ...domainArgs(domain)], pluck: true }])) as [number[]];
  return ids;
}

/**
 * Full-text search in one dataset (its rows of one origin and domain flag, when given): matches in dataset order with snippets (matches wrapped in
 * SNIPPET_OPEN/SNIPPET_CLOSE) and the number of matching rows, capped at MAX_COUNT (`totalCapped` says so).
 * The queries run on the database's read threads (db/read-threads.ts): snippets and counts over many matches
 * take tens of milliseconds, which on the main thread would hold up every request the studio serves.
 */
export async function searchRows(db: Db, datasetId: string, text: string, page: Page, origin: RowOrigin | null = null, domain: boolean | null = null): Promise<{ total: number; totalCapped: boolean; hits: SearchHit[] }> {
  const query = toFtsQuery(text);
  if (!query) return { total: 0, totalCapped: false, hits: [] };
  const threads = readThreads(db);
  const [first, last] = (await threads.run([edgeId(db, datasetId, asc), edgeId(db, datasetId, desc)])) as [number | undefined, number | undefined];
  if (first === undefined || last === undefined) return { total: 0, totalCapped: false, hits: [] };
  const limit = Math.min(500, Math.max(1, Math.floor(page.limit)));
  const offset = Math.max(0, Math.floor(page.offset));
  const [hits, total] = (await threads.run([
    { sql: HITS_SQL, args: [SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_OPEN, SNIPPET_CLOSE, query, first, last, datasetId, origin, origin, ...domainArgs(domain), limit, offset] },
    { sql: COUNT_SQL, args: [query, first, last, datasetId, origin, origin, ...domainArgs(domain), MAX_COUNT + 1], get: true, pluck: true },
  ])) as [SearchHit[], number];
  return { total: Math.min(total, MAX_COUNT), totalCapped: total > MAX_COUNT, hits };
}
