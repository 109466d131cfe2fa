import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasets } from "~/db/schema";
import type { AnswerJob } from "~/lib/contracts/job";
import { importRowsAsDataset } from "./generated-rows";

/**
 * A succeeded answer job's answers become a new ready dataset linked to the one it answered: each row keeps its
 * prompt and the teacher's answer, with origin "teacher_answer" and its provenance; rows the job set aside are
 * its rejected rows, with the reason, so the dataset page counts and shows them.
 */
export function importAnswers(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: AnswerJob): Promise<string> {
  return importRowsAsDataset(db, job, spec, { origin: "teacher_answer", prefix: "ds-answers", format: "teacher_answers", verb: "answered" });
}

/** The dataset a generation job made, once it has succeeded. */
export function answeredDatasetOf(db: Db, jobId: string): string | null {
  return db.select({ id: datasets.id }).from(datasets).where(eq(datasets.jobId, jobId)).get()?.id ?? null;
}
