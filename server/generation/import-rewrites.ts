import type { Db } from "~/db/client";
import type { RewriteJob } from "~/lib/contracts/job";
import { importRowsAsDataset } from "./generated-rows";

/**
 * A succeeded rewrite job's rows become a new ready dataset linked to the one it rewrote: each row keeps its
 * prompts and has the teacher's rewrites for answers, with origin "rewritten" and its provenance (which holds
 * the original answers, shown beside the rewrites); rows the job set aside are its rejected rows.
 */
export function importRewrites(db: Db, job: { id: string; runDir: string; datasetId: string | null }, spec: RewriteJob): Promise<string> {
  return importRowsAsDataset(db, job, spec, { origin: "rewritten", prefix: "ds-rewrites", format: "teacher_rewrites", verb: "rewritten" });
}
