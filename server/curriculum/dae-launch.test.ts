import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainRow } from "~/lib/contracts/job";
import { trainPlan } from "~/lib/contracts/plan";
import { HAND_LABELS_ONLY } from "~/lib/planning/designer-state";
import { jobRow } from "~/server/jobs/job-row";
import { seedDataset } from "~/test/support/seed-dataset";
import { type Studio, tempStudio, waitFor } from "~/test/support/studio";
import { curriculumPlanSummary, launchCurriculum } from "./launch-curriculum";
import { saveCurriculum } from "./saved-curricula";

/** A curriculum's run with KD + DAE's DAE phase chained after its POCL stages. */
describe("launching a curriculum with a DAE phase", () => {
  let studio: Studio;
  const batching = { batch_size: 2, grad_accum: 1 };
  const flag = (idxs: number[]) => {
    studio.db.$client.prepare("update dataset_rows set is_domain = 0 where dataset_id = 'rows'").run();
    for (const idx of idxs) studio.db.$client.prepare("update dataset_rows set is_domain = 1 where dataset_id = 'rows' and idx = ?").run(idx);
  };
  const idxOf = (id: string | number) => studio.db.$client.prepare("select idx from dataset_rows where id = ?").pluck().get(Number(id)) as number;
  beforeAll(() => {
    studio = tempStudio();
    seedDataset(studio.db, "rows", 16);
    studio.db.$client.prepare("insert into score_results (id, dataset_id, job_id, scorer, models, row_count) values ('s', 'rows', 'j', 'pocl', '{}', 16)").run();
    const ids = studio.db.$client.prepare("select id from dataset_rows where dataset_id = 'rows' order by idx").pluck().all() as number[];
    ids.forEach((id, i) => studio.db.$client.prepare("insert into row_scores values ('s', ?, 1, ?, null)").run(id, i / 16));
  });
  afterAll(() => studio.cleanup());

  const spec = { dataset_id: "rows", resample: { tag_result_id: HAND_LABELS_ONLY, ratios: { Others: 1 }, n: 10 }, schedule: { mode: "cumulative" as const, buckets: 2 }, bucket_result_id: "s", eval_size: 3 };
  const dae = { enabled: true, reference: { source: "embedded" as const }, epochs: 1, lr: 5e-5, loss: { name: "srkl" as const, skew: 0.2 } };
  const form = { batchSize: 2, student: { source: "pruned" as const, num_layers: 2 }, evalPrompts: 2, device: "cpu" as const, dae };

  it("shows the share of the run's rows flagged as domain, chains one DAE stage after the curriculum's stages and writes each row's flag", async () => {
    flag([0, 1, 2, 3, 4, 5, 6, 7]);
    const saved = await saveCurriculum(studio.db, "dae", spec);
    const summary = curriculumPlanSummary(studio.db, saved.id, batching);
    const run = await launchCurriculum(studio.manager, saved.id, form);
    expect(run.stages).toBe(3);
    const runDir = jobRow(studio.db, run.id)!.runDir;
    const plan = trainPlan.parse(JSON.parse(readFileSync(join(runDir, "plan.json"), "utf8")));
    expect(plan.stages.map((s) => [s.stage, s.phase])).toEqual([[1, "kd"], [2, "kd"], [3, "dae"]]);
    const rows = readFileSync(join(runDir, "data/train.jsonl"), "utf8").trim().split("\n").map((l) => trainRow.parse(JSON.parse(l)));
    expect(new Set(plan.stages[2]!.sample_ids)).toEqual(new Set(rows.map((r) => r.id)));
    for (const row of rows) expect(row.is_domain).toBe(idxOf(row.id) < 8);
    expect(summary.domain).toEqual({ domain: rows.filter((r) => r.is_domain).length, total: rows.length });
    expect((JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")) as { dae: unknown }).dae).toMatchObject({
      expert: { source: "embedded" },
      reference: { source: "embedded" },
      lr: 5e-5,
      loss: { name: "srkl", skew: 0.2 },
    });
    await waitFor("the run to end", () => !["queued", "running"].includes(jobRow(studio.db, run.id)!.status), 30_000);
  });

  it("lists the DAE stage in the launch page's plan, after the curriculum's stages or alone, as plan.json will have it", async () => {
    const saved = await saveCurriculum(studio.db, "dae plan", spec);
    const plain = curriculumPlanSummary(studio.db, saved.id, batching);
    expect(plain.stages.map((s) => [s.stage, s.phase])).toEqual([[1, null], [2, null]]);
    const chained = curriculumPlanSummary(studio.db, saved.id, batching, { enabled: true, afterKd: true, epochs: 3 });
    expect(chained.stages.map((s) => [s.stage, s.phase])).toEqual([[1, "kd"], [2, "kd"], [3, "dae"]]);
    expect(chained.stages.slice(0, 2)).toEqual(plain.stages.map((s) => ({ ...s, phase: "kd" })));
    // Every training row once, 3 epochs, in batches of 2.
    const rows = chained.domain.total;
    expect(chained.stages[2]).toEqual({ stage: 3, phase: "dae", buckets: [], samples: rows, epochs: 3, steps: Math.ceil(rows / 2) * 3, temperature: 1, kdWeight: 1 });
    expect(chained.totalSteps).toBe(plain.totalSteps + chained.stages[2]!.steps);
    const alone = curriculumPlanSummary(studio.db, saved.id, batching, { enabled: true, afterKd: false, epochs: 2 });
    expect(alone.stages.map((s) => [s.stage, s.phase, s.steps])).toEqual([[1, "dae", Math.ceil(rows / 2) * 2]]);
    expect(alone.totalSteps).toBe(Math.ceil(rows / 2) * 2);
  });

  it("refuses the launch when none of the run's rows is flagged, before any job exists", async () => {
    flag([]);
    const saved = await saveCurriculum(studio.db, "dae again", { ...spec, eval_size: 4 });
    expect(curriculumPlanSummary(studio.db, saved.id, batching).domain).toMatchObject({ domain: 0 });
    const jobs = () => studio.db.$client.prepare("select count(*) from jobs").pluck().get();
    const before = jobs();
    await expect(launchCurriculum(studio.manager, saved.id, form)).rejects.toThrow(/^the DAE phase cannot run: none of the \d+ training rows is flagged as domain/);
    expect(jobs()).toBe(before);
  });
});
