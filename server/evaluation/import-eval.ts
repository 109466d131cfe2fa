import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { evalAnswers, evalSuites, evaluations } from "~/db/schema";
import type { SuiteResult } from "~/lib/contracts/evaluation";

/** One line of eval_answers.jsonl, as the eval job writes it. */
type AnswerLine = {
  suite: string;
  item_id: string | number;
  category: string | null;
  turn: number;
  seed: number | null;
  prompt: string;
  answer: string;
  reference: string | null;
  score: number | null;
  judge_explanation: string | null;
  passed: boolean | null;
  details: unknown;
};

const BATCH = 500;

function toRow(evaluationId: string, line: AnswerLine): typeof evalAnswers.$inferInsert {
  return {
    evaluationId,
    suite: line.suite,
    itemId: String(line.item_id),
    category: line.category ?? null,
    turn: line.turn ?? 1,
    seed: line.seed ?? null,
    prompt: line.prompt,
    answer: line.answer,
    reference: line.reference ?? null,
    score: line.score ?? null,
    judgeExplanation: line.judge_explanation ?? null,
    passed: line.passed ?? null,
    details: line.details == null ? null : JSON.stringify(line.details),
  };
}

/**
 * A succeeded eval job's eval.json (each suite's figures) and eval_answers.jsonl (every graded answer) go into
 * SQLite under its evaluation. The answers are read line by line: a full SelfInst run over five seeds is 1,260
 * of them. A job the studio did not start (no evaluations row) is left alone.
 */
export async function importEvaluation(db: Db, job: { id: string; runDir: string }): Promise<void> {
  if (!db.select({ id: evaluations.id }).from(evaluations).where(eq(evaluations.id, job.id)).get()) return;
  const result = JSON.parse(await readFile(join(job.runDir, "eval.json"), "utf8")) as { suites: Record<string, SuiteResult> };
  const rows: (typeof evalAnswers.$inferInsert)[] = [];
  const lines = createInterface({ input: createReadStream(join(job.runDir, "eval_answers.jsonl"), "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) rows.push(toRow(job.id, JSON.parse(line) as AnswerLine));
  db.transaction((tx) => {
    tx.delete(evalSuites).where(eq(evalSuites.evaluationId, job.id)).run();
    tx.delete(evalAnswers).where(eq(evalAnswers.evaluationId, job.id)).run();
    for (const [suite, figures] of Object.entries(result.suites)) {
      tx.insert(evalSuites)
        .values({
          evaluationId: job.id,
          suite,
          items: figures.items,
          unparsed: figures.unparsed ?? null,
          metrics: JSON.stringify(figures.metrics),
          byCategory: figures.by_category ? JSON.stringify(figures.by_category) : null,
        })
        .run();
    }
    for (let i = 0; i < rows.length; i += BATCH) tx.insert(evalAnswers).values(rows.slice(i, i + BATCH)).run();
  });
}
