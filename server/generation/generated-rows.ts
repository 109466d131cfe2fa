import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, datasets, rejectedRows } from "~/db/schema";
import type { RowOrigin } from "~/lib/contracts/generation";
import type { AnswerJob, RewriteJob } from "~/lib/contracts/job";
import { toStoredRow, type ChatMessage } from "~/server/ingest/canonical";

/** A row a generation job wrote: its messages and how it was made. */
export type GeneratedRow = { id: string; messages: ChatMessage[]; provenance: Record<string, unknown> };
/** A row a generation job kept aside, with why. */
export type SetAsideRow = { id: string; reason: string; detail?: string | null; turn?: number; messages: ChatMessage[] };
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** Rows of a JSONL file the job wrote; a missing file (nothing set aside) is no rows. */
export async function jsonLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

const BATCH = 500;
const MAX_RAW = 4000;

/**
 * Inserts generated rows into a dataset from position `startIdx` on, with their origin and provenance; a row whose
 * conversation is already in `seen` (content hashes, added to as it goes) is marked a duplicate. Returns the
 * inserted rows' ids in order and how many were duplicates.
 */
export function insertGeneratedRows(tx: Tx, datasetId: string, rows: GeneratedRow[], options: { startIdx: number; origin: Exclude<RowOrigin, "original">; seen: Set<string> }) {
  let duplicates = 0;
  const values = rows.map((row, i) => {
    const stored = toStoredRow({ messages: row.messages, source: null });
    const contentHash = stored.digest.toString("base64url");
    const isDuplicate = options.seen.has(contentHash);
    if (isDuplicate) duplicates += 1;
    options.seen.add(contentHash);
    const { digest: _digest, ...fields } = stored;
    const idx = options.startIdx + i;
    return { ...fields, datasetId, idx, sourceLine: idx + 1, contentHash, isDuplicate, origin: options.origin, provenance: JSON.stringify(row.provenance) };
  });
  const ids: number[] = [];
  for (let i = 0; i < values.length; i += BATCH)
    ids.push(...tx.insert(datasetRows).values(values.slice(i, i + BATCH)).returning({ id: datasetRows.id }).all().map((r) => r.id));
  return { ids, duplicates };
}

/** The rows a job kept aside become the dataset's rejected rows, with the reason, so its page counts and shows them. */
export function insertSetAside(tx: Tx, datasetId: string, setAside: SetAsideRow[]): void {
  const rejects = setAside.map((row, i) => ({
    datasetId,
    sourceLine: i + 1,
    reason: `the teacher's answer was set aside: ${row.reason}${row.detail ? ` (${row.detail})` : ""}${row.turn ? `, at user turn ${row.turn}` : ""}`,
    raw: JSON.stringify(row.messages).slice(0, MAX_RAW),
  }));
  for (let i = 0; i < rejects.length; i += BATCH) tx.insert(rejectedRows).values(rejects.slice(i, i + BATCH)).run();
}

/** What a job's rows become: their origin, and the new dataset's id prefix, format and the verb its name uses. */
export type MadeBy = { origin: Exclude<RowOrigin, "original">; prefix: string; format: string; verb: string };

/**
 * A succeeded answer or rewrite job's rows become a new ready dataset linked to the one it worked on: each row
 * keeps its prompt and the teacher's answer (or rewrite), with the job's origin and the row's provenance; rows
 * the job set aside are its rejected rows, with the reason, so the dataset page counts and shows them.
 */
export async function importRowsAsDataset(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: AnswerJob | RewriteJob, made: MadeBy): Promise<string> {
  const generated = await jsonLines<GeneratedRow>(join(job.runDir, spec.output));
  const setAside = await jsonLines<SetAsideRow>(join(job.runDir, spec.set_aside));
  const parent = job.datasetId ? db.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, job.datasetId)).get() : undefined;
  const id = `${made.prefix}-${randomUUID()}`;
  db.transaction((tx) => {
    tx.insert(datasets)
      .values({
        id,
        name: `${parent?.name ?? "dataset"} (${made.verb} by ${spec.endpoint.model})`,
        status: "ready",
        originalName: spec.output,
        format: made.format,
        rowCount: generated.length,
        rejectedCount: setAside.length,
        jobId: job.id,
        parentId: job.datasetId,
      })
      .run();
    const { duplicates } = insertGeneratedRows(tx, id, generated, { startIdx: 0, origin: made.origin, seen: new Set() });
    tx.update(datasets).set({ duplicateCount: duplicates }).where(eq(datasets.id, id)).run();
    insertSetAside(tx, id, setAside);
  });
  return id;
}
