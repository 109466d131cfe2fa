import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { evalAnswers, evalSuites, evaluations } from "~/db/schema";
import { evalAnswer, evalResult, type EvalAnswer } from "~/lib/contracts/evaluation";


const BATCH = 500;

function toRow(evaluationId: string, line: EvalAnswer): typeof evalAnswers.$inferInsert {
  return {
    evaluationId,
    suite: line.suite,
    itemId: line.item_id,
    category: line.category,
    turn: line.turn,
    seed: line.seed,
    prompt: line.prompt,
    answer: line.answer,
    reference: line.reference,
    score: line.score,
    judgeExplanation: line.judge_explanation,
    passed: line.passed,
    details: line.details === null ? null : JSON.stringify(line.details),
  };
}

/** Parses what the job wrote with its contract, naming the file and line of anything else. */
function parsed<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${where} does not follow the eval job's contract: ${result.error.message}`);
  return result.data;
}

/**
 * A succeeded eval job's eval.json (each suite's figures) and eval_answers.jsonl (every graded answer) go into
 * SQLite under its evaluation. The answers are read line by line: a full SelfInst run over five seeds is 1,260
 * of them. A job the studio did not start (no evaluations row) is left alone.
 */
export async function importEvaluation(db: Db, job: { id: string; runDir: string }): Promise<void> {
  if (!db.select({ id: evaluations.id }).from(evaluations).where(eq(evaluations.id, job.id)).get()) return;
  const result = parsed(evalResult, await readFile(join(job.runDir, "eval.json"), "utf8"), "eval.json");
  const rows: (typeof evalAnswers.$inferInsert)[] = [];
  const lines = createInterface({ input: createReadStream(join(job.runDir, "eval_answers.jsonl"), "utf8"), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim()) rows.push(toRow(job.id, parsed(evalAnswer, line, `eval_answers.jsonl line ${number}`)));
  }
  db.transaction((tx) => {
    tx.delete(evalSuites).where(eq(evalSuites.evaluationId, job.id)).run();
    tx.delete(evalAnswers).where(eq(evalAnswers.evaluationId, job.id)).run();
    for (const [suite, figures] of Object.entries(result.suites)) {
      if (!figures) continue;
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
