import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import type { PipelineSettingsInput } from "~/lib/contracts/pipeline";
import { createCaller } from "~/server/api/root";
import { datasetMixRatios } from "~/lib/planning";
import { startAnalysisJob } from "~/server/curriculum/analysis-jobs";
import { rowColumns } from "~/server/curriculum/results";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { JobManager } from "~/server/jobs/manager";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";
import { startPipelines } from "./orchestrator";
import { stepsOf } from "./pipeline-store";

/**
 * A real 2-round TAPIR pipeline (issue 14.4): 40 Alpaca prompts typed by a real tag job, the embedded SmolLM2
 * as teacher (its llama.cpp server writes expansions and rewrites) and as judge, a 2-layer pruned student, tiny
 * training and evaluation. The studio is stopped while round 2 trains and a new one is built on the same
 * database and data folder: the pipeline goes on from where it stood and no finished step runs again.
 */

let studio: Studio | null = null;
const others: { stop(): void }[] = [];
/** The manager of the studio now running: its jobs are stopped when a test ends early, so none outlives it. */
let current: JobManager | null = null;
afterEach(() => {
  if (current) for (const id of current.db.$client.prepare("select id from jobs where status in ('queued', 'running')").pluck().all() as string[]) current.cancel(id);
  current = null;
  for (const o of others.splice(0)) o.stop();
  studio?.cleanup();
  studio = null;
});

const PROMPTS = 40;

/** The pipeline's steps; a failed step fails the test at once, with its sentence. */
function stepsOrThrow(s: Pick<Studio, "db">, id: string) {
  const steps = stepsOf(s.db, id);
  const failed = steps.find((x) => x.status === "failed");
  if (failed) throw new Error(`step ${failed.round}/${failed.kind} failed: ${failed.message}`);
  return steps;
}
const jobStatus = (s: Pick<Studio, "db">, id: string) => (s.db.$client.prepare("select status, error from jobs where id = ?").get(id) as { status: string; error: string | null });

/**
 * A studio whose seed pool is the first `prompts` Alpaca rows, typed by a real tag job, with its pipelines driven;
 * the rows per task type.
 */
async function seedPool(prompts: number) {
  studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
  const s = studio;
  current = s.manager;
  const path = join(s.dir, `alpaca${prompts}.json`);
  writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, prompts)));
  const { datasetId } = await importFile(s.db, path);
  const tag = await startAnalysisJob(s.manager, { kind: "tag", datasetId });
  await waitFor("the tag job", () => (jobStatus(s, tag.jobId).status === "succeeded" ? true : jobStatus(s, tag.jobId).status === "failed" ? (() => { throw new Error(jobStatus(s, tag.jobId).error!); })() : null), 600_000);
  void startPipelines({ db: s.db, jobs: s.manager, embedded: s.embedded });
  const tagPass = s.db.$client.prepare("select id from tag_results where dataset_id = ?").pluck().get(datasetId) as string;
  const counts: Record<string, number> = {};
  for (const t of rowColumns(s.db, datasetId, tagPass, null).types) counts[t] = (counts[t] ?? 0) + 1;
  return { s, datasetId, counts };
}

// 7 minutes on two cores (both tests passed 2026-11-29 16:24, 362 s and 60 s): more than `npm test` can carry
// beside everything else inside CI's hour. Run it with DISTILL_PIPELINE_REAL=1.
describe.skipIf(!process.env.DISTILL_PIPELINE_REAL)("a real 2-round pipeline", () => {
  it("runs both rounds with the embedded teacher and judge, survives a studio restart in round 2, repeats nothing", async () => {
    const { s, datasetId, counts } = await seedPool(PROMPTS);
    // The seed pool's own mix as the target: every type's target fits its rows, so the set is the budget.

    const caller = createCaller(apiContext(s));
    const settings: PipelineSettingsInput = {
      name: "tiny tapir",
      seedDatasetId: datasetId,
      teacher: { kind: "local", model: { source: "embedded" }, endpointId: EMBEDDED_ENDPOINT_ID },
      judgeEndpointId: EMBEDDED_ENDPOINT_ID,
      student: { source: "pruned", num_layers: 2 },
      ratios: datasetMixRatios(counts),
      rounds: 2,
      budget: 8,
      delta: 0,
      alpha1: 0.5,
      // The rewrite job and its set-asides have their own tests; here they would only cost the shared machine time.
      rewrite: false,
      // The baselines' eval jobs are eval jobs like the rounds'; left out, they would only cost the shared machine time.
      evaluateBaselines: false,
      // The embedded judge rates only with its answer held to the rating (the form's choice for it).
      scoring: { maxNewTokens: 12, judgeFormat: "rating" },
      training: { epochs: 1, batchSize: 4, maxLength: 128, evalSize: 0, evalEvery: 0, checkpointEvery: 2, device: "cpu" },
      evaluation: { suites: [{ name: "selfinst", limit: 1 }, { name: "ifeval", limit: 1 }], seeds: 1, greedy: true, maxNewTokens: 12, device: "cpu" },
    };
    const { id } = await caller.pipelines.create(settings);

    // Round 2's train job running: the studio stops (its job goes on, detached) and the embedded server with it.
    const round2Train = await waitFor(
      "round 2's train job to run",
      () => {
        const t = stepsOrThrow(s, id).find((x) => x.round === 2 && x.kind === "train");
        return t?.jobId && jobStatus(s, t.jobId).status === "running" ? t.jobId : null;
      },
      7_200_000,
    );
    const before = stepsOf(s.db, id);
    s.manager.detach();
    s.embedded.stop();

    const embedded = new EmbeddedServer({ repoRoot: process.cwd(), idleMs: 5_000 });
    others.push(embedded);
    const manager = new JobManager({ db: s.db, dataDir: s.dir, launcher: defaultLauncher(process.cwd()), gpus: [], limits: { cpu: 2, light: 2 }, cancelGraceMs: 5_000, ...studioJobHooks(s.embedded) });
    others.push({ stop: () => manager.detach() });
    current = manager;
    void startPipelines({ db: s.db, jobs: manager, embedded });
    manager.attachRunningJobs();
    manager.schedule();

    const restarted = { ...s, manager, embedded };
    const caller2 = createCaller(apiContext(restarted));
    const done = await waitFor(
      "the pipeline to end",
      () => {
        const p = stepsOrThrow(s, id);
        return p.every((x) => x.status === "succeeded" || x.status === "skipped") ? p : null;
      },
      7_200_000,
    );

    // Nothing finished was started again: one attempt each, the same jobs as before the restart.
    expect(done.filter((x) => x.attempts !== 1)).toEqual([]);
    for (const b of before.filter((x) => x.status === "succeeded")) {
      expect(done.find((x) => x.round === b.round && x.kind === b.kind)!.jobId).toBe(b.jobId);
    }
    expect(done.find((x) => x.round === 2 && x.kind === "train")!.jobId).toBe(round2Train);
    const pipelineJobs = s.db.$client.prepare("select count(*) from jobs where kind != 'tag'").pluck().get() as number;
    expect(pipelineJobs).toBe(done.filter((x) => x.jobId).length);

    const detail = await caller2.pipelines.get({ id });
    expect(detail.status).toBe("succeeded");
    expect(detail.baselines).toEqual([]);
    for (const round of detail.rounds_detail) {
      expect(round.status).toBe("succeeded");
      expect(round.runId).toMatch(/^train-/);
      expect(round.mix!.length).toBeGreaterThan(0);
      for (const t of round.mix!) expect(t.selected + t.toExpand).toBe(t.target);
      expect(round.mfd!.bins).toHaveLength(19);
      expect(round.mfd!.values.length + round.mfd!.unscored).toBe(PROMPTS);
      // Held to its rating, the judge rates every answer: every prompt has its MFD.
      expect(round.mfd!.values).toHaveLength(PROMPTS);
      expect(round.eval!.metrics.selfinst!.rouge_l).toEqual(expect.any(Number));
      expect(Object.values(round.sizeByOrigin!).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      const frozen = round.steps.flatMap((x) => x.frozen);
      expect(frozen.map((f) => f.kind)).toEqual(expect.arrayContaining(["dataset_version", "selection_plan", "student_checkpoint", "scores"]));
      for (const f of frozen) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // Round 2 selected by round 1's MFD, α₁ = 0.5 of it hard where the seed pool had hard rows.
    expect(detail.rounds_detail[1]!.alpha).toBe(0.5);
    expect(detail.rounds_detail[0]!.alpha).toBeNull();
  }, 14_400_000); // two rounds of real jobs, each judging 40 prompts, on a shared 2-core machine

  it("expands an under-filled task type and rewrites the round's set with the embedded teacher", async () => {
    const { s, datasetId, counts } = await seedPool(12);
    // The two largest types at equal shares, the smaller asked for 2 rows more than it has: the teacher expands it.
    const [big, small] = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    const budget = 2 * (small![1] + 2);

    const caller = createCaller(apiContext(s));
    const { id } = await caller.pipelines.create({
      name: "expand and rewrite",
      seedDatasetId: datasetId,
      teacher: { kind: "local", model: { source: "embedded" }, endpointId: EMBEDDED_ENDPOINT_ID },
      judgeEndpointId: EMBEDDED_ENDPOINT_ID,
      student: { source: "pruned", num_layers: 2 },
      ratios: { [big![0]]: 1, [small![0]]: 1 },
      rounds: 1,
      budget,
      firstRoundSet: "resample_expand",
      rewrite: true,
      evaluateBaselines: false,
      expansion: { maxTokens: 96, maxRequestsPerType: 2 },
      training: { epochs: 1, batchSize: 4, maxLength: 64, evalSize: 0, evalEvery: 0, checkpointEvery: 0, device: "cpu" },
    });
    // Paused while the rewrite runs: it ends, and nothing after it starts (training is the other test's).
    await waitFor("the rewrite step to run", () => (stepsOrThrow(s, id).find((x) => x.kind === "rewrite")!.status === "running" ? true : null), 3_600_000);
    await caller.pipelines.pause({ id });
    const steps = await waitFor("the rewrite step to end", () => {
      const p = stepsOrThrow(s, id);
      return p.find((x) => x.kind === "rewrite")!.status === "succeeded" ? p : null;
    }, 3_600_000);

    const expand = steps.find((x) => x.kind === "expand")!;
    expect(expand.status).toBe("succeeded");
    expect(expand.frozen.map((f) => f.kind)).toEqual(["dataset_version", "templates"]);
    const round = (await caller.pipelines.get({ id })).rounds_detail[0]!;
    const smallRow = round.mix!.find((t) => t.type === small![0])!;
    expect(smallRow.toExpand).toBeGreaterThanOrEqual(2);
    expect(smallRow.expanded).toEqual(expect.any(Number));
    const expanded = Object.values(expand.output.expanded ?? {}).reduce((a, b) => a + b, 0);
    const originOf = (dataset: string, origin: string) => s.db.$client.prepare("select count(*) from dataset_rows where dataset_id = ? and origin = ?").pluck().get(dataset, origin) as number;
    expect(originOf(expand.output.datasetId!, "expanded")).toBe(expanded);
    const rewrite = steps.find((x) => x.kind === "rewrite")!;
    expect(rewrite.output.datasetId).not.toBe(expand.output.datasetId);
    expect(round.datasetId).toBe(rewrite.output.datasetId);
    expect(round.sizeByOrigin!.rewritten).toBeGreaterThan(0);
    console.log(`expand and rewrite: ${small![0]} asked +${smallRow.toExpand}, ${expanded} expanded; ${round.sizeByOrigin!.rewritten} rewritten of ${budget}`);
    await caller.pipelines.cancel({ id });
  }, 7_200_000);
});
