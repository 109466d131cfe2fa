import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { trainPlan } from "~/lib/contracts/plan";
import { type CurriculumInput, type PlanRow, contentHash, curriculum, planCurriculum, previewCurriculum } from "./curriculum";
import { encodeTypes, tapirRatios } from "./ratios";

const datasets = process.env.DISTILL_SHARED_DATASETS ?? resolve(process.cwd(), "../shared/datasets");

/** MT-Bench's 80 questions, typed by their own category (a hand mapping onto the TAPIR taxonomy). */
const CATEGORY_TYPE: Record<string, string> = {
  writing: "Writing",
  roleplay: "Roleplay",
  reasoning: "Reasoning",
  math: "Math",
  coding: "Code Generation",
  extraction: "Complex Format",
  stem: "Physics",
  humanities: "History",
};
const mtBench: PlanRow[] = readFileSync(resolve(datasets, "mt_bench_questions.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as { question_id: number; category: string; turns: string[] })
  .map((q) => ({
    id: String(q.question_id),
    type: CATEGORY_TYPE[q.category],
    // Longer first turns stand in for harder ones; a question of every 7th id is left unscored.
    difficulty: q.question_id % 7 === 0 ? null : q.turns[0].length,
    bucket_score: q.turns[0].length,
  }));

const spec: CurriculumInput = {
  dataset_id: "mt-bench",
  resample: {
    tag_result_id: "tags-1",
    ratio_preset: "tapir",
    ratios: tapirRatios(),
    n: 300,
    difficulty_result_id: "scores-1",
    threshold: 150,
    hard_share: 0.6,
  },
  schedule: { mode: "cumulative", buckets: 4, epochs_per_stage: 2 },
  bucket_result_id: "scores-1",
  seed: 3,
};

describe("planCurriculum on MT-Bench", () => {
  const result = planCurriculum(spec, mtBench, { source: "curriculum:test", batching: { batch_size: 4, grad_accum: 2 } });

  it("resamples to the TAPIR mix, flags the absent types and plans 4 cumulative stages over the resampled set", () => {
    const counts = result.counts!;
    const by = Object.fromEntries(counts.types.map((c) => [c.type, c]));
    // floor(300 · 0.167) = 50 Math from 10 questions: every question 5 times.
    expect(by.Math).toMatchObject({ available: 10, target: 50, selected: 50 });
    expect(by["Code Generation"]).toMatchObject({ available: 10, target: 24, selected: 24 });
    expect(counts.missing).toContain("Code Debug");
    expect(counts.missing).not.toContain("Math");
    expect(counts.selectedTotal).toBe(50 + 50 + 24 + 5 * 5);

    expect(trainPlan.parse(result.plan)).toEqual(result.plan);
    expect(result.plan.source).toBe("curriculum:test");
    const stages = result.plan.stages;
    expect(stages).toHaveLength(4);
    expect(stages[3].sample_ids).toHaveLength(counts.selectedTotal);
    expect(stages.map((s) => s.epochs)).toEqual([2, 2, 2, 2]);
    expect(result.schedule?.segments.map((s) => s.samples)).toEqual(stages.map((s) => s.sample_ids.length));
    expect(result.unscoredForBuckets).toBe(0);
  });

  it("lists the easy stage-1 samples before harder ones by bucket score", () => {
    const length = new Map(mtBench.map((r) => [r.id, r.bucket_score as number]));
    const first = result.plan.stages[0].sample_ids.map((id) => length.get(id) as number);
    const rest = result.plan.stages[3].sample_ids.slice(first.length).map((id) => length.get(id) as number);
    expect(Math.max(...first)).toBeLessThanOrEqual(Math.min(...rest));
  });

  it("is deterministic for a seed, changes with the seed, and the preview agrees with the plan", () => {
    expect(planCurriculum(spec, mtBench).plan).toEqual(planCurriculum(spec, mtBench).plan);
    expect(planCurriculum({ ...spec, seed: 4 }, mtBench).plan).not.toEqual(result.plan);
    const preview = previewCurriculum(
      spec,
      {
        types: encodeTypes(mtBench.map((r) => r.type)),
        difficulty: Float64Array.from(mtBench, (r) => r.difficulty ?? Number.NaN),
      },
      { batch_size: 4, grad_accum: 2 },
    );
    expect(preview.counts).toEqual(result.counts);
    expect(preview.schedule).toEqual(result.schedule);
  });

  it("without resampling keeps every row once; a plain schedule needs no bucket scores", () => {
    const plain = planCurriculum({ dataset_id: "mt-bench", resample: null, schedule: { mode: "plain" } }, mtBench);
    expect(plain.counts).toBeNull();
    expect(plain.plan.stages).toHaveLength(1);
    expect(plain.plan.stages[0].sample_ids).toEqual(mtBench.map((r) => r.id));
  });
});

describe("curriculum schema", () => {
  it("names the missing pieces", () => {
    const noDelta = curriculum.safeParse({ ...spec, resample: { ...spec.resample, threshold: null } });
    expect(noDelta.error?.issues.map((i) => i.message)).toContain("hard_share α needs a threshold δ");
    const noBuckets = curriculum.safeParse({ ...spec, bucket_result_id: null });
    expect(noBuckets.error?.issues.map((i) => i.path.join("."))).toContain("bucket_result_id");
    const typo = curriculum.safeParse({ ...spec, resample: { ...spec.resample, ratios: { Maths: 1 } } });
    expect(typo.success).toBe(false);
  });
});

describe("contentHash", () => {
  it("ignores key order and filled-in defaults, and changes with any setting", async () => {
    const hash = await contentHash(spec);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as CurriculumInput;
    expect(await contentHash(reordered)).toBe(hash);
    expect(await contentHash({ ...spec, schedule: { ...spec.schedule, temperature: { start: 1, end: 2 } } })).toBe(hash);
    expect(await contentHash({ ...spec, seed: 4 })).not.toBe(hash);
    expect(await contentHash({ ...spec, resample: { ...spec.resample!, hard_share: 0.5 } })).not.toBe(hash);
  });
});
