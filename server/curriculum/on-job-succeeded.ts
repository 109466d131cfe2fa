import type { Db } from "~/db/client";
import type { JobSpec } from "~/lib/contracts/job";
import { importJobResult } from "~/server/analysis/import-results";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { evaluateFinishedRun } from "~/server/evaluation/auto-evaluate";
import { importEvaluation } from "~/server/evaluation/import-eval";
import { importAnswers } from "~/server/generation/import-answers";
import { importExpansion } from "~/server/generation/import-expansion";
import { importRewrites } from "~/server/generation/import-rewrites";
import type { JobRow } from "~/server/jobs/job-row";
import type { JobManager } from "~/server/jobs/manager";
import { applyDemoLabels } from "./demo-dataset";

/**
 * Run by the job manager before it marks a job succeeded, so a page that sees "succeeded" also sees the
 * data: tag/score/lengths outputs go into SQLite, a demo import gets its hand labels, an answer job's answers,
 * an expand job's new rows and a rewrite job's rewrites become a new dataset, an eval job's figures and answers
 * its evaluation's; a train run launched with "evaluate when the run ends" queues its student's evaluation.
 */
export async function onJobSucceeded(db: Db, job: JobRow, jobs?: JobManager, embedded?: EmbeddedServer): Promise<void> {
  const spec = JSON.parse(job.spec) as JobSpec;
  if (spec.kind === "ingest") applyDemoLabels(db, job.runDir, spec.dataset_id);
  else if (spec.kind === "tag" || spec.kind === "score" || spec.kind === "lengths")
    await importJobResult(db, { id: job.id, runDir: job.runDir, datasetId: job.datasetId, spec });
  else if (spec.kind === "answer") await importAnswers(db, job, spec);
  else if (spec.kind === "expand") await importExpansion(db, job, spec);
  else if (spec.kind === "rewrite") await importRewrites(db, job, spec);
  else if (spec.kind === "eval") await importEvaluation(db, job);
  else if (spec.kind === "train" && jobs) await evaluateFinishedRun(jobs, embedded ?? null, job);
}
