/**
 * Issue 14.5: a TAPIR pipeline's overhead, the wall time of a round spent outside its jobs (selection, the round
 * set's copy, curriculum planning, imports and hooks, starting the next job), as a share of the round's wall time.
 * One real round on the first N prompts of alpaca_en_demo.json (default 16): a real tag job first (not counted),
 * then select → train (2-layer pruned student, one short epoch) → score (the embedded SmolLM2 as judge, mfd_judge)
 * → eval (SelfInst, one prompt), with the embedded teacher; the judge's answer is its rating alone (judgeFormat). Each job's wall seconds are printed too; a job's own
 * start (Python, model loading) counts as job time here, not as the pipeline's overhead.
 * Target: overhead_share ≤ 0.05.
 * Run: npx tsx bench/pipeline-overhead.bench.ts [prompts=16]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { datasetMixRatios } from "~/lib/planning";
import { createCaller } from "~/server/api/root";
import { startAnalysisJob } from "~/server/curriculum/analysis-jobs";
import { rowColumns } from "~/server/curriculum/results";
import { defaultLauncher } from "~/server/jobs/command";
import { jobDurationMs, jobRow } from "~/server/jobs/job-row";
import { startPipelines } from "~/server/pipelines/orchestrator";
import { stepsOf } from "~/server/pipelines/pipeline-store";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor } from "~/test/support/studio";

const prompts = Number(process.argv[2] ?? 16);

function emit(metric: string, value: number, unit: string) {
  console.log(JSON.stringify({ metric, value: Number(value.toFixed(3)), unit }));
}

const studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
try {
  const path = join(studio.dir, "seed.json");
  writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, prompts)));
  const { datasetId } = await importFile(studio.db, path);
  const tag = await startAnalysisJob(studio.manager, { kind: "tag", datasetId });
  await waitFor("the tag job", () => jobRow(studio.db, tag.jobId)!.status === "succeeded", 3_600_000);
  const pass = studio.db.$client.prepare("select id from tag_results where dataset_id = ?").pluck().get(datasetId) as string;
  const counts: Record<string, number> = {};
  for (const t of rowColumns(studio.db, datasetId, pass, null).types) counts[t] = (counts[t] ?? 0) + 1;

  void startPipelines({ db: studio.db, jobs: studio.manager, embedded: studio.embedded });
  const caller = createCaller(apiContext(studio));
  const { id } = await caller.pipelines.create({
    seedDatasetId: datasetId,
    teacher: { kind: "local", endpointId: EMBEDDED_ENDPOINT_ID },
    judgeEndpointId: EMBEDDED_ENDPOINT_ID,
    student: { source: "pruned", num_layers: 2 },
    ratios: datasetMixRatios(counts),
    rounds: 1,
    budget: prompts,
    rewrite: false,
    evaluateBaselines: false,
    // The embedded judge rates only with its answer held to the rating (docs/pipelines.md).
    scoring: { maxNewTokens: 16, judgeFormat: "rating" },
    training: { epochs: 1, batchSize: 4, maxLength: 128, evalSize: 0, evalEvery: 0, checkpointEvery: 0, device: "cpu" },
    evaluation: { suites: [{ name: "selfinst", limit: 1 }], seeds: 1, greedy: true, maxNewTokens: 16, device: "cpu" },
  });
  const steps = await waitFor(
    "the round to end",
    () => {
      const s = stepsOf(studio.db, id);
      const failed = s.find((x) => x.status === "failed");
      if (failed) throw new Error(`step ${failed.kind} failed: ${failed.message}`);
      return s.every((x) => x.status === "succeeded" || x.status === "skipped") ? s : null;
    },
    3_600_000,
  );
  const start = Math.min(...steps.map((s) => s.startedAt ?? Infinity));
  const end = Math.max(...steps.map((s) => s.finishedAt ?? 0));
  let inJobs = 0;
  for (const s of steps) {
    const job = s.jobId ? jobRow(studio.db, s.jobId) : undefined;
    const ms = job ? (jobDurationMs(job) ?? 0) : 0;
    inJobs += ms;
    if (job) emit(`job_${s.kind}_wall`, ms / 1000, "s");
  }
  const wall = end - start;
  emit("round_wall", wall / 1000, "s");
  emit("round_in_jobs", inJobs / 1000, "s");
  emit("overhead", (wall - inJobs) / 1000, "s");
  emit("overhead_share", (wall - inJobs) / wall, "ratio");
} finally {
  studio.cleanup();
}
