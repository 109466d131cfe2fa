import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainPlan } from "~/lib/contracts/plan";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { jobRow } from "~/server/jobs/job-row";
import { type Studio, tempStudio, waitFor } from "~/test/support/studio";
import { seedDataset } from "~/test/support/seed-dataset";
import { startAnalysisJob } from "./analysis-jobs";
import { loadDemoDataset } from "./demo-dataset";
import { curriculumPlanSummary, launchCurriculum } from "./launch-curriculum";
import { analysisResults, filteredRows, rowColumns, scoreComponents, setRowLabel } from "./results";
import { listCurricula, saveCurriculum } from "./saved-curricula";
import { type CurriculumInput, curriculum, encodeTypes, previewRun, runRows } from "~/lib/planning";
import { HAND_LABELS_ONLY } from "~/lib/planning/designer-state";

describe("row columns and hand labels", () => {
  let studio: Studio;
  beforeAll(() => {
    studio = tempStudio();
    seedDataset(studio.db, "d", 6, [5]);
    const sqlite = studio.db.$client;
    sqlite.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('t', 'd', 'j', 'x', 5)").run();
    sqlite.prepare("insert into score_results (id, dataset_id, job_id, scorer, models, row_count) values ('s', 'd', 'j', 'pocl', '{}', 2)").run();
    const ids = sqlite.prepare("select id from dataset_rows order by idx").pluck().all() as number[];
    ids.slice(0, 4).forEach((id) => sqlite.prepare("insert into row_tags values ('t', ?, 'Math', 0.9)").run(id));
    sqlite.prepare(`insert into row_scores values ('s', ?, 1, 0.2, '{"rouge_l":0.9,"ce":0.4,"rank_rouge_l":1,"rank_ce":1}')`).run(ids[0]);
    sqlite.prepare(`insert into row_scores values ('s', ?, 1, 0.8, '{"rouge_l":0.1,"ce":2.6,"rank_rouge_l":2,"rank_ce":2}')`).run(ids[1]);
  });
  afterAll(() => studio.cleanup());

  it("types rows by hand label, then tagger, then Others; skips duplicates; reads the chosen score pass", () => {
    const ids = rowColumns(studio.db, "d", "t", "s").ids;
    setRowLabel(studio.db, ids[1]!, "Coding");
    const cols = rowColumns(studio.db, "d", "t", "s");
    expect(cols.types).toEqual(["Math", "Coding", "Math", "Math", "Others"]);
    expect(cols.difficulty).toEqual([0.2, 0.8, null, null, null]);
    expect(cols.unlabelled).toBe(1);
    expect(cols.promptOnly).toBe(0);
    setRowLabel(studio.db, ids[1]!, null);
    expect(rowColumns(studio.db, "d", "t", null).types[1]).toBe("Math");
  });

  it("filters rows by type and difficulty range", () => {
    const q = { datasetId: "d", tagResultId: "t", scoreResultId: "s", offset: 0, limit: 10 };
    expect(filteredRows(studio.db, { ...q, type: "Math", min: null, max: null }).total).toBe(4);
    const hard = filteredRows(studio.db, { ...q, type: null, min: 0.5, max: 1 });
    expect(hard.rows.map((r) => r.difficulty)).toEqual([0.8]);
    expect(() => setRowLabel(studio.db, 999_999, "Math")).toThrow(/row 999999 does not exist/);
  });

  it("reads a score pass's ROUGE-L and CE per row in column order, and filters rows by a range of one", () => {
    const { components, prompts } = scoreComponents(studio.db, "d", "s");
    expect(components).toEqual({ rouge_l: [0.9, 0.1, null, null, null], ce: [0.4, 2.6, null, null, null] });
    expect(prompts).toHaveLength(rowColumns(studio.db, "d", "t", "s").ids.length);
    const q = { datasetId: "d", tagResultId: "t", scoreResultId: "s", type: null, min: null, max: null, offset: 0, limit: 10 };
    const lowRouge = filteredRows(studio.db, { ...q, component: { name: "rouge_l", min: 0, max: 0.5 } });
    expect(lowRouge.rows.map((r) => r.difficulty)).toEqual([0.8]);
    expect(filteredRows(studio.db, { ...q, component: { name: "ce", min: 0, max: 5 } }).total).toBe(2);
  });

  it("saves a curriculum once per content hash", async () => {
    const spec = { dataset_id: "d", resample: null, schedule: { mode: "plain" }, eval_size: 1 };
    const first = await saveCurriculum(studio.db, "a", spec);
    const again = await saveCurriculum(studio.db, "b", { eval_size: 1, schedule: { mode: "plain" }, resample: null, dataset_id: "d" });
    expect(again.existed).toBe(true);
    expect(again.id).toBe(first.id);
    await expect(saveCurriculum(studio.db, "x", { dataset_id: "d", resample: null, schedule: { mode: "cumulative" } })).rejects.toThrow(/bucket_result_id/);
  });

  it("refuses to score prompts that have no gold answer, before any job exists", async () => {
    seedDataset(studio.db, "questions", 3, [], [0, 1, 2]);
    expect(rowColumns(studio.db, "questions", null, null)).toMatchObject({ promptOnly: 3, types: ["Others", "Others", "Others"] });
    const req = { kind: "score", datasetId: "questions", scorer: "pocl", studentLayers: 6, maxNewTokens: 32 } as const;
    await expect(startAnalysisJob(studio.manager, req)).rejects.toThrow(/no rows with an answer .* difficulty scoring need gold answers/);
    expect(studio.db.$client.prepare("select count(*) from jobs").pluck().get()).toBe(0);
  });
});

describe("what the designer previews is what trains", () => {
  let studio: Studio;
  const batching = { batch_size: 2, grad_accum: 1 };
  beforeAll(() => {
    studio = tempStudio();
    // 16 rows: rows 2 and 9 are prompts without an answer, row 15 a duplicate copy; all typed Others.
    seedDataset(studio.db, "small", 16, [15], [2, 9]);
    studio.db.$client.prepare("insert into score_results (id, dataset_id, job_id, scorer, models, row_count) values ('s', 'small', 'j', 'pocl', '{}', 13)").run();
    const ids = studio.db.$client.prepare("select id from dataset_rows where dataset_id = 'small' order by idx").pluck().all() as number[];
    ids.forEach((id, i) => studio.db.$client.prepare("insert into row_scores values ('s', ?, 1, ?, null)").run(id, i / 16));
  });
  afterAll(() => studio.cleanup());

  /** What the designer computes in the browser, from the columns query. */
  function designerPreview(spec: CurriculumInput) {
    const c = curriculum.parse(spec);
    const cols = rowColumns(studio.db, "small", null, null);
    return previewRun(c, { types: encodeTypes(cols.types) }, runRows(cols, { evalSize: c.eval_size, seed: c.seed }), batching);
  }

  it("launches the plan the designer previewed: eval and prompt-only rows out first, same stages, buckets and steps", async () => {
    const spec: CurriculumInput = {
      dataset_id: "small",
      resample: { tag_result_id: HAND_LABELS_ONLY, ratios: { Others: 1 }, n: 10 },
      schedule: { mode: "cumulative", buckets: 2 },
      bucket_result_id: "s",
      eval_size: 3,
    };
    const preview = designerPreview(spec);
    expect(preview.schedule.bucketSizes).toEqual([5, 5]);
    expect(preview.run.positions).toHaveLength(10);
    const saved = await saveCurriculum(studio.db, "small", spec);
    const summary = curriculumPlanSummary(studio.db, saved.id, batching);
    expect(summary).toMatchObject({ evalSize: 3, samples: 10, bucketSizes: preview.schedule.bucketSizes, totalSteps: preview.schedule.totalSteps });
    expect(summary.stages.map((s) => [s.samples, s.steps])).toEqual(preview.schedule.segments.map((s) => [s.samples, s.endStep - s.startStep]));

    const run = await launchCurriculum(studio.manager, saved.id, { batchSize: 2, student: { source: "pruned", num_layers: 2 }, evalPrompts: 2, device: "cpu" });
    const runDir = jobRow(studio.db, run.id)!.runDir;
    const plan = JSON.parse(readFileSync(join(runDir, "plan.json"), "utf8")) as TrainPlan;
    expect(plan.stages.map((s) => s.sample_ids.length)).toEqual(preview.schedule.segments.map((s) => s.samples));
    const evalIds = readFileSync(join(runDir, "data/eval.jsonl"), "utf8").trim().split("\n").map((l) => Number((JSON.parse(l) as { id: string }).id));
    expect(evalIds).toEqual(preview.run.split.evalIds);
    const trained = new Set(plan.stages.flatMap((s) => s.sample_ids).map(Number));
    const promptOnly = rowColumns(studio.db, "small", null, null).promptOnlyAt.map((i) => rowColumns(studio.db, "small", null, null).ids[i]);
    expect([...evalIds, ...promptOnly].filter((id) => trained.has(id!))).toEqual([]);
    await waitFor("the run to end", () => !["queued", "running"].includes(jobRow(studio.db, run.id)!.status), 30_000);
  });

  it("refuses to save a design whose plan cannot be built once the eval rows are held out, saying why", async () => {
    const spec: CurriculumInput = {
      dataset_id: "small",
      resample: null,
      schedule: { mode: "cumulative", buckets: 4 },
      bucket_result_id: "s",
      eval_size: 10,
    };
    const refusal = "3 resampled samples are too few for 4 buckets: the run trains on 3 of the 15 rows (10 held out for evaluation, 2 prompts without an answer); lower K to 3 or fewer, or raise N";
    expect(() => designerPreview(spec)).toThrow(refusal);
    await expect(saveCurriculum(studio.db, "too small", spec)).rejects.toThrow(`not saved: the plan cannot be built: ${refusal}`);
    expect(listCurricula(studio.db, "small").map((c) => c.name)).not.toContain("too small");
  });
});

describe("demo dataset, a real tag job and a POCL launch", () => {
  let studio: Studio;
  beforeAll(() => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
  });
  afterAll(() => studio.cleanup());

  it("imports the demo with hand labels, tags it, and launches a curriculum run with the curriculum's stages", async () => {
    const { manager, db } = studio;
    const { datasetId, jobId } = await loadDemoDataset(manager);
    await waitFor("the demo import", () => ["succeeded", "failed"].includes(jobRow(db, jobId)!.status), 120_000);
    expect(jobRow(db, jobId)!.error).toBeNull();
    expect(analysisResults(db, datasetId).handLabels).toBe(440);

    const tag = await startAnalysisJob(manager, { kind: "tag", datasetId });
    await waitFor("the tag job", () => ["succeeded", "failed"].includes(jobRow(db, tag.jobId)!.status), 240_000);
    expect(jobRow(db, tag.jobId)!.error).toBeNull();
    // Imported before "succeeded": the result is there as soon as the status is.
    const results = analysisResults(db, datasetId);
    expect(results.tags[0]).toMatchObject({ id: tag.jobId, rowCount: 440 });

    const saved = await saveCurriculum(db, "demo", {
      dataset_id: datasetId,
      resample: { tag_result_id: tag.jobId, ratios: { Math: 1, "Code Generation": 1 }, n: 40 },
      schedule: { mode: "plain", epochs_per_stage: 1 },
      eval_size: 4,
    });
    const run = await launchCurriculum(manager, saved.id, { student: { source: "pruned", num_layers: 2 }, maxLength: 64, evalPrompts: 2, device: "cpu" });
    manager.cancel(run.id);
    const runDir = jobRow(db, run.id)!.runDir;
    const plan = JSON.parse(readFileSync(join(runDir, "plan.json"), "utf8")) as TrainPlan;
    expect(plan.source).toBe(saved.contentHash);
    expect(plan.stages[0]!.sample_ids).toHaveLength(40);
    const trainIds = readFileSync(join(runDir, "data/train.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(plan.stages[0]!.sample_ids)).toEqual(new Set(trainIds));
    expect(existsSync(join(runDir, "curriculum.json"))).toBe(true);
    await waitFor("the cancelled run", () => jobRow(db, run.id)!.status !== "running" && jobRow(db, run.id)!.status !== "queued", 60_000);
  }, 400_000);
});
