import { afterEach, describe, expect, it } from "vitest";
import type { PipelineDetail, PipelineSettingsInput } from "~/lib/contracts/pipeline";
import { createCaller } from "~/server/api/root";
import type { Launcher } from "~/server/jobs/command";
import { JobManager } from "~/server/jobs/manager";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";
import { startPipelines } from "./orchestrator";
import { insertPipeline, stepsOf, updateStep } from "./pipeline-store";
import { getPipeline } from "./pipeline-view";
import { pipelineSettings } from "~/lib/contracts/pipeline";
import { initialPipelineForm } from "~/lib/pipelines/form";
import { pipelineDefaults } from "./pipeline-api";

/**
 * The orchestrator's moves on a real database and real job processes that stand in for the trainer: the
 * fixture emitter (which fails at once without its emitter.json) or `sleep`. The answer step is the first with a
 * job when the teacher is an endpoint (round 1 does not expand).
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** Every row typed, alternately Writing and Math, as a tag pass would. */
function tagAll(s: Studio, datasetId: string): void {
  s.db.$client.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('tag-test', ?, '', 'test', 0)").run(datasetId);
  s.db.$client
    .prepare("insert into row_tags (result_id, row_id, label, confidence) select 'tag-test', id, case when idx % 2 = 0 then 'Writing' else 'Math' end, 1 from dataset_rows where dataset_id = ?")
    .run(datasetId);
}

async function setUp(launcher?: Launcher) {
  studio = tempStudio({ ...(launcher ? { launcher } : {}), hooks: studioJobHooks });
  const s = studio;
  const { datasetId } = await importFile(s.db, sharedDataset("alpaca_en_demo.json"));
  const caller = createCaller(apiContext(s));
  const endpoint = await caller.endpoints.create({ name: "far", baseUrl: "http://127.0.0.1:9/v1", model: "m", maxConcurrency: 1, requestTimeoutS: 5, inputPricePerM: null, outputPricePerM: null });
  void startPipelines({ db: s.db, jobs: s.manager, embedded: s.embedded });
  const settings: PipelineSettingsInput = {
    seedDatasetId: datasetId,
    teacher: { kind: "endpoint", endpointId: endpoint.id },
    judgeEndpointId: endpoint.id,
    rounds: 1,
    budget: 20,
    ratios: { Writing: 1, Math: 1 },
    evaluateBaselines: false,
    training: { kdWeight: 0 },
  };
  return { s, caller, datasetId, settings };
}

const step = (s: Studio, id: string, kind: string) => stepsOf(s.db, id).find((x) => x.round === 1 && x.kind === kind)!;

describe("pipeline orchestrator", () => {
  it("offers the form's defaults over the API: the embedded judge answers with its rating alone", () => {
    const { seedDatasetId: _, ...form } = initialPipelineForm(null);
    expect(pipelineDefaults().settings).toEqual(form);
    expect(pipelineDefaults().settings.scoring?.judgeFormat).toBe("rating");
  });

  it("refuses a seed dataset with no task types, in a sentence", async () => {
    const { caller, settings, datasetId } = await setUp();
    await expect(caller.pipelines.create(settings)).rejects.toThrow(`the seed dataset ${datasetId} has no task types yet: tag it on its curriculum page first`);
  });

  it("stops at a failed step and retries that step alone on resume, keeping what finished", async () => {
    const { s, caller, settings, datasetId } = await setUp();
    tagAll(s, datasetId);
    const { id } = await caller.pipelines.create(settings);
    const failed = await waitFor("the pipeline to fail", () => {
      const p = stepsOf(s.db, id);
      return p.some((x) => x.status === "failed") ? p : null;
    });
    const select = failed.find((x) => x.kind === "select")!;
    expect(select).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(select.output.selection!.types.map((t) => [t.type, t.target, t.selected + t.toExpand])).toEqual([
      ["Math", 10, 10],
      ["Writing", 10, 10],
    ]);
    expect(failed.find((x) => x.kind === "expand")).toMatchObject({ status: "skipped", message: expect.stringContaining("round 1") });
    const answer = failed.find((x) => x.kind === "answer")!;
    expect(answer).toMatchObject({ status: "failed", attempts: 1 });
    const view = await caller.pipelines.get({ id });
    expect(view.status).toBe("failed");
    expect(view.message).toMatch(/^round 1 answer: /);
    expect(view.rounds_detail[0]!.mix).toHaveLength(2);

    await caller.pipelines.resume({ id });
    const again = await waitFor("the retried step to fail again", () => {
      const a = step(s, id, "answer");
      return a.attempts === 2 && a.status === "failed" ? a : null;
    });
    expect(again.jobId).not.toBe(answer.jobId);
    expect(step(s, id, "select")).toMatchObject({ attempts: 1, output: select.output, frozen: select.frozen });
    expect(select.frozen.map((f) => f.kind)).toEqual(["dataset_version", "selection_plan"]);
  });

  it("pauses while a step runs (its job goes on), resumes, and cancels the running job", async () => {
    const { s, caller, settings, datasetId } = await setUp(() => ["sleep", "60"]);
    tagAll(s, datasetId);
    const { id } = await caller.pipelines.create(settings);
    const running = await waitFor("the answer job to run", () => {
      const a = step(s, id, "answer");
      return a.jobId && (s.db.$client.prepare("select status from jobs where id = ?").pluck().get(a.jobId) as string) === "running" ? a : null;
    });
    expect((await caller.pipelines.pause({ id })).status).toBe("paused");
    await expect(caller.pipelines.pause({ id })).rejects.toThrow("only a running pipeline can be paused");
    expect((await caller.pipelines.resume({ id })).status).toBe("running");
    expect(step(s, id, "answer")).toMatchObject({ status: "running", jobId: running.jobId, attempts: 1 });

    expect((await caller.pipelines.cancel({ id })).status).toBe("cancelled");
    await waitFor("the answer step to be cancelled", () => step(s, id, "answer").status === "cancelled", 30_000);
    expect((await caller.pipelines.get({ id })).status).toBe("cancelled");
    expect(step(s, id, "rewrite").status).toBe("pending");
    await expect(caller.pipelines.resume({ id })).rejects.toThrow("only a paused or failed pipeline can be resumed");
  });

  it("streams the pipeline to its page: again when a step's job starts, on pause, resume and cancel; ends when cancelled", async () => {
    const { s, caller, settings, datasetId } = await setUp(() => ["sleep", "60"]);
    tagAll(s, datasetId);
    const { id } = await caller.pipelines.create(settings);
    const stream = (await caller.pipelines.watch({ id }))[Symbol.asyncIterator]();
    /** The next state the stream sends that `ok` accepts (each state is read after a change, so states can merge). */
    const next = async (ok: (d: PipelineDetail) => boolean) => {
      for (;;) {
        const { value, done } = await stream.next();
        if (done) throw new Error("the stream ended");
        if (ok(value)) return value;
      }
    };
    const answerOf = (d: PipelineDetail) => d.rounds_detail[0]!.steps.find((x) => x.kind === "answer")!;
    const running = await next((d) => answerOf(d).status === "running" && answerOf(d).jobId != null);
    expect(running.status).toBe("running");
    await caller.pipelines.pause({ id });
    expect((await next(() => true)).status).toBe("paused");
    await caller.pipelines.resume({ id });
    expect((await next(() => true)).status).toBe("running");
    await caller.pipelines.cancel({ id });
    await next((d) => d.status === "cancelled");
    expect((await stream.next()).done).toBe(true);
    expect(s.manager.bus.subscriberCount(`pipeline/${id}`)).toBe(0);
    await expect(caller.pipelines.watch({ id: "no-such-pipeline" }).then((it) => it[Symbol.asyncIterator]().next())).rejects.toThrow("pipeline no-such-pipeline does not exist");
  });

  it("fails the step of a job that could not even start (it ended before its id was recorded)", async () => {
    const { s, caller, settings, datasetId } = await setUp(() => ["/nonexistent/distill-trainer"]);
    tagAll(s, datasetId);
    const { id } = await caller.pipelines.create(settings);
    const answer = await waitFor("the answer step to fail", () => (step(s, id, "answer").status === "failed" ? step(s, id, "answer") : null), 10_000);
    expect(answer.message).toContain("could not start");
    expect((await caller.pipelines.get({ id })).status).toBe("failed");
  });

  it("picks its steps up again in a restarted studio: the job that ran on is re-attached, its end reaches the step", async () => {
    const { s, caller, settings, datasetId } = await setUp(() => ["sleep", "3"]);
    tagAll(s, datasetId);
    const { id } = await caller.pipelines.create(settings);
    const running = await waitFor("the answer job", () => step(s, id, "answer").jobId);
    s.manager.detach();
    const manager = new JobManager({ db: s.db, dataDir: s.dir, launcher: () => ["sleep", "3"], gpus: [], limits: { cpu: 2, light: 2 }, cancelGraceMs: 5_000, ...studioJobHooks(s.embedded) });
    try {
      void startPipelines({ db: s.db, jobs: manager, embedded: s.embedded });
      manager.attachRunningJobs();
      // `sleep` ends without a done event: the re-attached job fails, and with it the step it ran for.
      const answer = await waitFor("the answer step to end", () => (step(s, id, "answer").status === "failed" ? step(s, id, "answer") : null), 15_000);
      expect(answer).toMatchObject({ jobId: running, attempts: 1 });
      expect(step(s, id, "select").attempts).toBe(1);
      expect(s.db.$client.prepare("select count(*) from jobs").pluck().get()).toBe(1);
    } finally {
      manager.detach();
    }
  });

  it("shows a round's MFD over every seed row the score step sent: rows the judge gave no rating count as unscored", async () => {
    const { s, settings, datasetId } = await setUp();
    tagAll(s, datasetId);
    const id = insertPipeline(s.db, pipelineSettings.parse({ ...settings, rounds: 1 }), "h");
    const rows = s.db.$client.prepare("select id from dataset_rows where dataset_id = ? and response != '' and is_duplicate = 0 order by idx").pluck().all(datasetId) as number[];
    s.db.$client.prepare("insert into score_results (id, dataset_id, job_id, scorer, models, row_count) values ('sc', ?, 'sc', 'mfd_judge', '{}', 3)").run(datasetId);
    for (const [i, d] of [3, -1, 0].entries()) s.db.$client.prepare("insert into row_scores (result_id, row_id, score, difficulty) values ('sc', ?, ?, ?)").run(rows[i], d, d);
    const score = step(s, id, "score");
    updateStep(s.db, score, "pending", { status: "succeeded", output: { scoreResultId: "sc" } });
    const mfd = getPipeline(s.db, id).rounds_detail[0]!.mfd!;
    expect(mfd).toMatchObject({ unscored: rows.length - 3, hardShare: 1 / 3, delta: settings.delta ?? 1 });
    expect(mfd.bins.filter((b) => b.count > 0).map((b) => [b.lo + 0.5, b.count])).toEqual([[-1, 1], [0, 1], [3, 1]]);
  });
});
