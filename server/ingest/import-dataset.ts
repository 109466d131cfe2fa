import { eq } from "drizzle-orm";
import { stat } from "node:fs/promises";
import type { Db } from "~/db/client";
import { datasets } from "~/db/schema";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import { toStoredRow } from "./canonical";
import { resolveMapping } from "./columns";
import { IngestCancelled, IngestFileError } from "./errors";
import { formatMb, maxFieldBytes, maxRecordBytes, maxUploadBytes, REJECT_RAW_CHARS } from "./limits";
import { normalizeRecord } from "./normalize";
import { POSITION_UNIT } from "~/lib/datasets/position";
import { readRecords } from "./read-records";
import { failImport } from "./cleanup";
import { SeenHashes } from "./seen-hashes";
import { storeLengthCounts } from "~/server/ingest/length-counts";

/**
 * A write transaction ends after this many rows or characters of text, whichever comes first: big enough to
 * amortise commits and FTS5 segment writes (both cost per transaction), small enough not to block other
 * writers long and to bound the memory of the rows held for it (the text is in memory twice: the rows and
 * FTS5's pending terms).
 */
export const BATCH_ROWS = 20_000;
const BATCH_CHARS = 16 << 20;
/** When this many records in a row were all rejected, the file is not in the format at all. */
const GIVE_UP_AFTER = 1000;
/** Distinct key sets whose mapping is cached; beyond this, mappings are resolved per record. */
const MAX_SHAPES = 256;

export interface ImportCounts {
  row_count: number;
  rejected_count: number;
  duplicate_count: number;
}

export interface ImportOptions {
  datasetId: string;
  path: string;
  originalName: string;
  format: IngestFormat;
  mapping: ColumnMapping;
  /** Bytes read of `total`, rows stored so far; called at most once per chunk. */
  onProgress?: (bytesDone: number, total: number, counts: ImportCounts) => void;
  isCancelled?: () => boolean;
  /** Called after each batch's transaction has committed. */
  onCommit?: () => void;
}

/**
 * Streams one file into dataset_rows under the dataset's "importing" status, in batched transactions, and
 * flips it to "ready" with its counts. Any failure or cancellation removes every row written for it and
 * marks it "failed" (the dataset row stays, so the page can show why), then rethrows.
 */
export async function importDataset(db: Db, opts: ImportOptions): Promise<ImportCounts> {
  try {
    return await importRows(db, opts);
  } catch (e) {
    failImport(db, opts.datasetId);
    throw e;
  }
}

async function importRows(db: Db, opts: ImportOptions): Promise<ImportCounts> {
  const { size } = await stat(opts.path);
  const limit = maxUploadBytes();
  if (size > limit) throw new IngestFileError(`${opts.originalName} is ${formatMb(size)}, over the ${formatMb(limit)} upload limit (DISTILL_MAX_UPLOAD_MB)`);
  if (size === 0) throw new IngestFileError(`${opts.originalName} is empty`);

  // Raw prepared statements for the rows, their full-text entries and rejects: run once per record of files of
  // millions (bench/ingest.bench.ts), and dataset_rows_fts is an FTS5 table the schema does not model.
  const sqlite = db.$client;
  const insertRow = sqlite.prepare(
    `INSERT INTO dataset_rows (dataset_id, idx, source_line, messages, source, prompt, response, turns,
       prompt_length, response_length, content_hash, is_duplicate, start_line, is_domain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  // The FTS insert trigger skips datasets that are importing; the batch indexes its own rows, after inserting
  // them all: an INSERT into dataset_rows (it has triggers) opens a statement savepoint, and FTS5 flushes its
  // pending terms to a new segment at every savepoint, so interleaving the two writes one segment per row.
  const indexRow = sqlite.prepare("INSERT INTO dataset_rows_fts (rowid, prompt, response) VALUES (?, ?, ?)");
  const insertReject = sqlite.prepare("INSERT INTO rejected_rows (dataset_id, source_line, reason, raw, start_line) VALUES (?,?,?,?,?)");
  const unit = POSITION_UNIT[opts.format];
  const maxField = maxFieldBytes();
  const seen = new SeenHashes();
  // Kept while writing, stored at the end: the histograms then never scan the rows.
  const promptLengths = new Map<number, number>();
  const responseLengths = new Map<number, number>();
  const counts: ImportCounts = { row_count: 0, rejected_count: 0, duplicate_count: 0 };
  let rows: unknown[][] = [];
  let batchChars = 0;
  let rejects: unknown[][] = [];
  const mappings = new Map<string, ColumnMapping>();
  let rejectedInARow = 0;
  let firstReject: string | null = null;

  const ids: (number | bigint)[] = [];
  const flush = sqlite.transaction(() => {
    for (const r of rows) ids.push(insertRow.run(r).lastInsertRowid);
    for (let i = 0; i < rows.length; i++) indexRow.run(ids[i], rows[i][5], rows[i][6]);
    ids.length = 0;
    for (const r of rejects) insertReject.run(r);
    db.update(datasets)
      .set({ rowCount: counts.row_count, rejectedCount: counts.rejected_count, duplicateCount: counts.duplicate_count })
      .where(eq(datasets.id, opts.datasetId))
      .run();
    rows = [];
    rejects = [];
    batchChars = 0;
  });
  const maybeFlush = () => {
    if (opts.isCancelled?.()) throw new IngestCancelled();
    if (rows.length + rejects.length >= BATCH_ROWS || batchChars >= BATCH_CHARS) {
      flush();
      opts.onCommit?.();
    }
  };

  // Records with the same keys share one resolved mapping (files mixing shapes get one per shape).
  const mappingFor = (value: unknown): ColumnMapping => {
    const keys = value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
    const signature = keys.join("\u0000");
    let mapping = mappings.get(signature);
    if (!mapping) {
      mapping = resolveMapping(opts.mapping, keys);
      if (mappings.size < MAX_SHAPES) mappings.set(signature, mapping);
    }
    return mapping;
  };

  const reject = (at: number, reason: string, raw: string, line?: number) => {
    counts.rejected_count += 1;
    firstReject ??= `${unit} ${at}: ${reason}`;
    rejects.push([opts.datasetId, at, reason, raw.slice(0, REJECT_RAW_CHARS), line ?? null]);
    batchChars += Math.min(raw.length, REJECT_RAW_CHARS);
    rejectedInARow += 1;
    if (counts.row_count === 0 && rejectedInARow >= GIVE_UP_AFTER) {
      throw new IngestFileError(`none of the first ${GIVE_UP_AFTER} records could be read as ${opts.format}; the first: ${firstReject}`);
    }
    maybeFlush();
  };

  await readRecords(opts.path, opts.format, {
    record(at, value, raw, line) {
      const normalized = normalizeRecord(value, mappingFor(value), maxField);
      if ("reason" in normalized) {
        reject(at, normalized.reason, typeof raw === "function" ? raw() : raw, line);
        return;
      }
      rejectedInARow = 0;
      for (const row of normalized.rows) {
        const stored = toStoredRow(row);
        const duplicate = !seen.add(stored.digest);
        if (duplicate) counts.duplicate_count += 1;
        promptLengths.set(stored.promptLength, (promptLengths.get(stored.promptLength) ?? 0) + 1);
        responseLengths.set(stored.responseLength, (responseLengths.get(stored.responseLength) ?? 0) + 1);
        rows.push([
          opts.datasetId, counts.row_count, at, stored.messages, stored.source, stored.prompt, stored.response,
          stored.turns, stored.promptLength, stored.responseLength, stored.digest.toString("base64url"), duplicate ? 1 : 0,
          line ?? null, normalized.isDomain ? 1 : 0,
        ]);
        counts.row_count += 1;
        batchChars += stored.messages.length + (stored.source?.length ?? 0) + stored.prompt.length + stored.response.length;
      }
      maybeFlush();
    },
    reject,
  }, {
    maxRecord: maxRecordBytes(),
    onBytes: (done) => opts.onProgress?.(done, size, counts),
  });

  if (counts.row_count === 0) {
    throw new IngestFileError(
      firstReject ? `no row of ${opts.originalName} could be imported; the first problem: ${firstReject}` : `${opts.originalName} holds no records`,
    );
  }
  if (opts.isCancelled?.()) throw new IngestCancelled();
  sqlite.transaction(() => {
    flush();
    storeLengthCounts(db, opts.datasetId, "prompt", promptLengths);
    storeLengthCounts(db, opts.datasetId, "response", responseLengths);
    db.update(datasets).set({ status: "ready", format: opts.format }).where(eq(datasets.id, opts.datasetId)).run();
  })();
  opts.onProgress?.(size, size, counts);
  return counts;
}
