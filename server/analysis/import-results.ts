import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { z } from "zod";
import type { Db } from "~/db/client";
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
  sqlite.transaction(() => {
    if (spec.kind === "tag") {
      sqlite
        .prepare(
          `INSERT INTO tag_results (id, dataset_id, job_id, tagger, row_count) VALUES (?, ?, ?, '', 0)
           ON CONFLICT (id) DO UPDATE SET dataset_id = excluded.dataset_id, tagger = '', row_count = 0`,
        )
        .run(job.id, datasetId, job.id);
      sqlite.prepare("DELETE FROM row_tags WHERE result_id = ?").run(job.id);
      const insert = sqlite.prepare("INSERT INTO row_tags (result_id, row_id, label, confidence) VALUES (?, ?, ?, ?)");
      let tagger = "";
      let count = 0;
      for (const r of jsonLines(file, tagLine)) {
        insert.run(job.id, Number(r.id), r.label, r.confidence);
        tagger ||= r.tagger;
        count++;
      }
      sqlite.prepare("UPDATE tag_results SET tagger = ?, row_count = ? WHERE id = ?").run(tagger, count, job.id);
    } else if (spec.kind === "score") {
      const models = JSON.stringify({ teacher: spec.teacher, student: spec.student });
      sqlite
        .prepare(
          `INSERT INTO score_results (id, dataset_id, job_id, scorer, models, row_count) VALUES (?, ?, ?, ?, ?, 0)
           ON CONFLICT (id) DO UPDATE SET dataset_id = excluded.dataset_id, scorer = excluded.scorer, models = excluded.models, row_count = 0`,
        )
        .run(job.id, datasetId, job.id, spec.scorer, models);
      sqlite.prepare("DELETE FROM row_scores WHERE result_id = ?").run(job.id);
      const insert = sqlite.prepare("INSERT INTO row_scores (result_id, row_id, score, difficulty, components) VALUES (?, ?, ?, ?, ?)");
      let count = 0;
      for (const { id, score, difficulty, ...components } of jsonLines(file, scoreLine)) {
        insert.run(job.id, Number(id), score, difficulty, JSON.stringify(components));
        count++;
      }
      sqlite.prepare("UPDATE score_results SET row_count = ? WHERE id = ?").run(count, job.id);
    } else {
      // Setting a row's lengths is idempotent by itself; the transaction keeps units and numbers in step.
      const update = sqlite.prepare("UPDATE dataset_rows SET prompt_length = ?, response_length = ? WHERE id = ? AND dataset_id = ?");
      for (const r of jsonLines(file, lengthsLine)) update.run(r.prompt_tokens, r.response_tokens, Number(r.id), datasetId);
      sqlite.prepare("UPDATE datasets SET length_unit = 'tokens' WHERE id = ?").run(datasetId);
      // The updates cleared the histogram's counts (trigger); count again now rather than on the next read.
      refreshLengthCounts(sqlite, datasetId);
    }
  })();
}
