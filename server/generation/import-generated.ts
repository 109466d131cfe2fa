import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, datasets, rejectedRows } from "~/db/schema";
import type { RowOrigin } from "~/lib/contracts/generation";
import type { AnswerJob, RewriteJob } from "~/lib/contracts/job";
import { toStoredRow, type ChatMessage } from "~/server/ingest/canonical";

type AnsweredRow = { id: string; messages: ChatMessage[]; provenance: Record<string, unknown> };
type SetAsideRow = { id: string; reason: string; detail?: string | null; turn?: number; messages: ChatMessage[] };

/** Rows of a JSONL file the job wrote; a missing file (nothing set aside) is no rows. */
async function jsonLines<T>(path: string): Promise<T[]> {
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

/** What each generation job's rows become: their origin, and the new dataset's id prefix, name and format. */
const MADE_BY: Record<(AnswerJob | RewriteJob)["kind"], { origin: RowOrigin; prefix: string; verb: string; format: string }> = {
  answer: { origin: "teacher_answer", prefix: "ds-answers", verb: "answered", format: "teacher_answers" },
  rewrite: { origin: "rewritten", prefix: "ds-rewrites", verb: "rewritten", format: "teacher_rewrites" },
};

/**
 * A succeeded answer or rewrite job's rows become a new ready dataset linked to the one it worked on: each row
 * keeps its prompt and the teacher's answer (or rewrite), with the job's origin and the row's provenance (a
 * rewrite's holds the original answers); rows the job set aside are its rejected rows, with the reason, so the
 * dataset page counts and shows them.
 */
export async function importGenerated(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: AnswerJob | RewriteJob): Promise<string> {
  const made = MADE_BY[spec.kind];
  const answered = await jsonLines<AnsweredRow>(join(job.runDir, spec.output));
  const setAside = await jsonLines<SetAsideRow>(join(job.runDir, spec.set_aside));
  const parent = job.datasetId ? db.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, job.datasetId)).get() : undefined;
  const id = `${made.prefix}-${randomUUID()}`;
  const seen = new Set<string>();
  let duplicates = 0;
  const rows = answered.map((row, idx) => {
    const stored = toStoredRow({ messages: row.messages, source: null });
    const contentHash = stored.digest.toString("base64url");
    const isDuplicate = seen.has(contentHash);
    if (isDuplicate) duplicates += 1;
    seen.add(contentHash);
    const { digest: _digest, ...fields } = stored;
    return { ...fields, datasetId: id, idx, sourceLine: idx + 1, contentHash, isDuplicate, origin: made.origin, provenance: JSON.stringify(row.provenance) };
  });
  db.transaction((tx) => {
    tx.insert(datasets)
      .values({
        id,
        name: `${parent?.name ?? "dataset"} (${made.verb} by ${spec.endpoint.model})`,
        status: "ready",
        originalName: spec.output,
        format: made.format,
        rowCount: rows.length,
        rejectedCount: setAside.length,
        duplicateCount: duplicates,
        jobId: job.id,
        parentId: job.datasetId,
      })
      .run();
    for (let i = 0; i < rows.length; i += BATCH) tx.insert(datasetRows).values(rows.slice(i, i + BATCH)).run();
    const rejects = setAside.map((row, i) => ({
      datasetId: id,
      sourceLine: i + 1,
      reason: `the teacher's answer was set aside: ${row.reason}${row.detail ? ` (${row.detail})` : ""}${row.turn ? `, at user turn ${row.turn}` : ""}`,
      raw: JSON.stringify(row.messages).slice(0, MAX_RAW),
    }));
    for (let i = 0; i < rejects.length; i += BATCH) tx.insert(rejectedRows).values(rejects.slice(i, i + BATCH)).run();
  });
  return id;
}

/** The dataset an answer or rewrite job made, once it has succeeded. */
export function generatedDatasetOf(db: Db, jobId: string): string | null {
  return db.select({ id: datasets.id }).from(datasets).where(eq(datasets.jobId, jobId)).get()?.id ?? null;
}
