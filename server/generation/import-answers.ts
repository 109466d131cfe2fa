import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets } from "~/db/schema";
import type { AnswerJob } from "~/lib/contracts/job";
import { insertGeneratedRows, insertSetAside, jsonLines, type GeneratedRow, type SetAsideRow } from "./generated-rows";

/**
 * A succeeded answer job's answers become a new ready dataset linked to the one it answered: each row keeps its
 * prompt and the teacher's answer, with origin "teacher_answer" and its provenance; rows the job set aside are
 * its rejected rows, with the reason, so the dataset page counts and shows them.
 */
export async function importAnswers(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: AnswerJob): Promise<string> {
  const answered = await jsonLines<GeneratedRow>(join(job.runDir, spec.output));
  const setAside = await jsonLines<SetAsideRow>(join(job.runDir, spec.set_aside));
  const parent = job.datasetId ? db.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, job.datasetId)).get() : undefined;
  const id = `ds-answers-${randomUUID()}`;
  db.transaction((tx) => {
    tx.insert(datasets)
      .values({
        id,
        name: `${parent?.name ?? "dataset"} (answered by ${spec.endpoint.model})`,
        status: "ready",
        originalName: spec.output,
        format: "teacher_answers",
        rowCount: answered.length,
        rejectedCount: setAside.length,
        jobId: job.id,
        parentId: job.datasetId,
      })
      .run();
    const { duplicates } = insertGeneratedRows(tx, id, answered, { startIdx: 0, origin: "teacher_answer", seen: new Set() });
    tx.update(datasets).set({ duplicateCount: duplicates }).where(eq(datasets.id, id)).run();
    insertSetAside(tx, id, setAside);
  });
  return id;
}

/** The dataset a generation job made, once it has succeeded. */
export function answeredDatasetOf(db: Db, jobId: string): string | null {
  return db.select({ id: datasets.id }).from(datasets).where(eq(datasets.jobId, jobId)).get()?.id ?? null;
}
