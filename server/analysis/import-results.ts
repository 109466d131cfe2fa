import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/db/client";
import { datasets, rowScores, rowTags, scoreResults, tagResults } from "~/db/schema";
import type { JobSpec } from "~/lib/contracts/job";
import { refreshLengthCounts } from "~/server/ingest/length-counts";

/**
 * When a tag, score or lengths job finishes, its output file in the run folder is read into SQLite, so the
 * histograms and the planner query one place. Row ids in those files are dataset_rows.id as strings.
 *
 * A job's result is stored under the job's id, in one transaction, replacing whatever an earlier import of the
 * same job left: importing a job twice (a studio that crashed after the trainer finished re-attaches and
 * imports again) gives the same rows once, and a failed import leaves nothing, not even half a result.
 */

const tagLine = z.object({ id: z.string(), label: z.string(), confidence: z.number(), tagger: z.string() });
const scoreLine = z
  .object({ id: z.string(), score: z.number(), difficulty: z.number() })
  .catchall(z.unknown());
const lengthsLine = z.object({ id: z.string(), prompt_tokens: z.number().int(), response_tokens: z.number().int() });

const CHUNK = 1 << 20;

/** The non-empty lines of a JSONL file, each parsed and checked; read synchronously, a chunk at a time. */
function* jsonLines<T>(file: string, schema: z.ZodType<T>): Generator<T> {
  const fd = openSync(file, "r");
  const decoder = new StringDecoder("utf8");
  const buf = Buffer.alloc(CHUNK);
  let rest = "";
  let lineNo = 0;
  const parse = (line: string): T | null => {
    lineNo++;
    if (!line.trim()) return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file} line ${lineNo}: not JSON (${(e as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`${file} line ${lineNo}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };
  try {
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) {
      const lines = (rest + decoder.write(buf.subarray(0, n))).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const row = parse(line);
        if (row !== null) yield row;
      }
    }
    const last = parse(rest + decoder.end());
    if (last !== null) yield last;
  } finally {
    closeSync(fd);
  }
}

type FinishedJob = { id: string; runDir: string; datasetId: string | null; spec: JobSpec };

/** Reads a finished job's output into SQLite, replacing an earlier import of the same job; all or nothing. */
export async function importJobResult(db: Db, job: FinishedJob): Promise<void> {
  const { spec, datasetId } = job;
  if (!datasetId || (spec.kind !== "tag" && spec.kind !== "score" && spec.kind !== "lengths")) return;
  const file = join(job.runDir, spec.output);
  const sqlite = db.$client;
  // Synchronous on purpose: better-sqlite3 runs nothing else on this connection until the transaction ends.
  db.transaction(() => {
    if (spec.kind === "tag") {
      const reset = { datasetId, tagger: "", rowCount: 0 };
      db.insert(tagResults).values({ id: job.id, jobId: job.id, ...reset }).onConflictDoUpdate({ target: tagResults.id, set: reset }).run();
      db.delete(rowTags).where(eq(rowTags.resultId, job.id)).run();
      // Raw: one run per row of a dataset of up to millions, as the bulk import (drizzle's runs: 1.1-1.2x the CPU, bench/raw-sql.bench.ts).
      const insert = sqlite.prepare("INSERT INTO row_tags (result_id, row_id, label, confidence) VALUES (?, ?, ?, ?)");
      let tagger = "";
      let count = 0;
      for (const r of jsonLines(file, tagLine)) {
        insert.run(job.id, Number(r.id), r.label, r.confidence);
        tagger ||= r.tagger;
        count++;
      }
      db.update(tagResults).set({ tagger, rowCount: count }).where(eq(tagResults.id, job.id)).run();
    } else if (spec.kind === "score") {
      const models = JSON.stringify({ teacher: spec.teacher, student: spec.student });
      const reset = { datasetId, scorer: spec.scorer, models, rowCount: 0 };
      db.insert(scoreResults).values({ id: job.id, jobId: job.id, ...reset }).onConflictDoUpdate({ target: scoreResults.id, set: reset }).run();
      db.delete(rowScores).where(eq(rowScores.resultId, job.id)).run();
      // Raw: one run per row of a dataset of up to millions, as the bulk import.
      const insert = sqlite.prepare("INSERT INTO row_scores (result_id, row_id, score, difficulty, components) VALUES (?, ?, ?, ?, ?)");
      let count = 0;
      for (const { id, score, difficulty, ...components } of jsonLines(file, scoreLine)) {
        insert.run(job.id, Number(id), score, difficulty, JSON.stringify(components));
        count++;
      }
      db.update(scoreResults).set({ rowCount: count }).where(eq(scoreResults.id, job.id)).run();
    } else {
      // Setting a row's lengths is idempotent by itself; the transaction keeps units and numbers in step. Raw: one
      // run per row of a dataset of up to millions, as the bulk import.
      const update = sqlite.prepare("UPDATE dataset_rows SET prompt_length = ?, response_length = ? WHERE id = ? AND dataset_id = ?");
      for (const r of jsonLines(file, lengthsLine)) update.run(r.prompt_tokens, r.response_tokens, Number(r.id), datasetId);
      db.update(datasets).set({ lengthUnit: "tokens" }).where(eq(datasets.id, datasetId)).run();
      // The updates cleared the histogram's counts (trigger); count again now rather than on the next read.
      refreshLengthCounts(db, datasetId);
    }
  });
}
