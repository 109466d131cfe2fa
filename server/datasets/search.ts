import type { Db } from "~/db/client";
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

/** The id range a dataset's rows occupy (one import writes them in idx order, so ids rise with idx). */
function idRange(db: Db, datasetId: string): [number, number] | null {
  const edge = (dir: "ASC" | "DESC") =>
    db.$client.prepare(`SELECT id FROM dataset_rows WHERE dataset_id = ? ORDER BY idx ${dir} LIMIT 1`).pluck().get(datasetId) as
      | number
      | undefined;
  const first = edge("ASC");
  const last = edge("DESC");
  return first === undefined || last === undefined ? null : [first, last];
}

export interface SearchHit {
  id: number;
  idx: number;
  promptSnippet: string;
  responseSnippet: string;
}

/**
 * Full-text search in one dataset: matches in dataset order with snippets (matches wrapped in
 * SNIPPET_OPEN/SNIPPET_CLOSE) and the number of matching rows, capped at MAX_COUNT (`totalCapped` says so).
 */
export function searchRows(db: Db, datasetId: string, text: string, page: Page): { total: number; totalCapped: boolean; hits: SearchHit[] } {
  const query = toFtsQuery(text);
  const range = idRange(db, datasetId);
  if (!query || !range) return { total: 0, totalCapped: false, hits: [] };
  const limit = Math.min(500, Math.max(1, Math.floor(page.limit)));
  const offset = Math.max(0, Math.floor(page.offset));
  const hits = db.$client
    .prepare(
      `SELECT r.id AS id, r.idx AS idx,
         snippet(dataset_rows_fts, 0, ?, ?, '…', ${SNIPPET_TOKENS}) AS promptSnippet,
         snippet(dataset_rows_fts, 1, ?, ?, '…', ${SNIPPET_TOKENS}) AS responseSnippet
       FROM dataset_rows_fts JOIN dataset_rows r ON r.id = dataset_rows_fts.rowid
       WHERE dataset_rows_fts MATCH ? AND dataset_rows_fts.rowid BETWEEN ? AND ? AND r.dataset_id = ?
       ORDER BY dataset_rows_fts.rowid LIMIT ? OFFSET ?`,
    )
    .all(SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_OPEN, SNIPPET_CLOSE, query, range[0], range[1], datasetId, limit, offset) as SearchHit[];
  const total = db.$client
    .prepare(
      `SELECT count(*) FROM (SELECT 1 FROM dataset_rows_fts JOIN dataset_rows r ON r.id = dataset_rows_fts.rowid
       WHERE dataset_rows_fts MATCH ? AND dataset_rows_fts.rowid BETWEEN ? AND ? AND r.dataset_id = ? LIMIT ?)`,
    )
    .pluck()
    .get(query, range[0], range[1], datasetId, MAX_COUNT + 1) as number;
  return { total: Math.min(total, MAX_COUNT), totalCapped: total > MAX_COUNT, hits };
}
