import { createReadStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { Db } from "~/db/client";
import { eq } from "drizzle-orm";
import { datasets, scoreResults, tagResults } from "~/db/schema";
import type { JobSpec } from "~/lib/contracts/job";

/**
 * When a tag, score or lengths job finishes, its output file in the run folder is read into SQLite, so the
 * histograms and the planner query one place. Row ids in those files are dataset_rows.id as strings.
 */

const tagLine = z.object({ id: z.string(), label: z.string(), confidence: z.number(), tagger: z.string() });
const scoreLine = z
  .object({ id: z.string(), score: z.number(), difficulty: z.number() })
  .catchall(z.unknown());
const lengthsLine = z.object({ id: z.string(), prompt_tokens: z.number().int(), response_tokens: z.number().int() });

const BATCH = 5000;

async function* readBatches<T>(file: string, schema: z.ZodType<T>): AsyncGenerator<T[]> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let batch: T[] = [];
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    const parsed = schema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file} line ${lineNo}: ${parsed.error.issues[0]?.message}`);
    batch.push(parsed.data);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

type FinishedJob = { id: string; runDir: string; datasetId: string | null; spec: JobSpec };

/** Reads a finished job's output into SQLite. A result that fails half-way is removed whole (rows cascade). */
export async function importJobResult(db: Db, job: FinishedJob) {
  try {
    await importRows(db, job);
  } catch (e) {
    db.delete(tagResults).where(eq(tagResults.id, job.id)).run();
    db.delete(scoreResults).where(eq(scoreResults.id, job.id)).run();
    throw e;
  }
}

async function importRows(db: Db, job: FinishedJob) {
  const { spec, runDir, datasetId } = job;
  if (!datasetId) return;
  if (spec.kind === "tag") {
    let tagger = "";
    let count = 0;
    const insert = db.$client.prepare("INSERT INTO row_tags (result_id, row_id, label, confidence) VALUES (?, ?, ?, ?)");
    db.insert(tagResults).values({ id: job.id, datasetId, jobId: job.id, tagger: "", rowCount: 0 }).run();
    for await (const batch of readBatches(join(runDir, spec.output), tagLine)) {
      db.$client.transaction(() => batch.forEach((r) => insert.run(job.id, Number(r.id), r.label, r.confidence)))();
      tagger = batch[0]!.tagger;
      count += batch.length;
    }
    db.update(tagResults).set({ tagger, rowCount: count }).where(eq(tagResults.id, job.id)).run();
  } else if (spec.kind === "score") {
    let count = 0;
    const insert = db.$client.prepare(
      "INSERT INTO row_scores (result_id, row_id, score, difficulty, components) VALUES (?, ?, ?, ?, ?)",
    );
    const models = JSON.stringify({ teacher: spec.teacher, student: spec.student });
    db.insert(scoreResults).values({ id: job.id, datasetId, jobId: job.id, scorer: spec.scorer, models, rowCount: 0 }).run();
    for await (const batch of readBatches(join(runDir, spec.output), scoreLine)) {
      db.$client.transaction(() =>
        batch.forEach(({ id, score, difficulty, ...components }) =>
          insert.run(job.id, Number(id), score, difficulty, JSON.stringify(components)),
        ),
      )();
      count += batch.length;
    }
    db.update(scoreResults).set({ rowCount: count }).where(eq(scoreResults.id, job.id)).run();
  } else if (spec.kind === "lengths") {
    const update = db.$client.prepare("UPDATE dataset_rows SET prompt_length = ?, response_length = ? WHERE id = ? AND dataset_id = ?");
    for await (const batch of readBatches(join(runDir, spec.output), lengthsLine)) {
      db.$client.transaction(() => batch.forEach((r) => update.run(r.prompt_tokens, r.response_tokens, Number(r.id), datasetId)))();
    }
    db.update(datasets).set({ lengthUnit: "tokens" }).where(eq(datasets.id, datasetId)).run();
  }
}
