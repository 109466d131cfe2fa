import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { trainPlan } from "~/lib/contracts/plan";
import { bucketSizes, buildTrainPlan, easyToHardOrder, linearRamp } from "./pocl";

const sorted = (xs: readonly string[]) => [...xs].sort();

/** n distinct ids with random scores, and a bucket count that fits. */
const planArb = fc
  .integer({ min: 1, max: 200 })
  .chain((n) =>
    fc.record({
      scores: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
      buckets: fc.integer({ min: 1, max: Math.min(n, 8) }),
      epochs: fc.integer({ min: 1, max: 3 }),
      tStart: fc.double({ min: 0.5, max: 2, noNaN: true }),
      tEnd: fc.double({ min: 0.5, max: 4, noNaN: true }),
      wStart: fc.double({ min: 0, max: 1, noNaN: true }),
      wEnd: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  )
  .map((r) => ({ ...r, ids: r.scores.map((_, i) => `row-${i}`) }));

describe("buckets", () => {
  it("K buckets of floor(N/K), the last takes the remainder", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (n, k) => {
        fc.pre(k <= n);
        const sizes = bucketSizes(n, k);
        expect(sizes).toHaveLength(k);
        expect(sizes.slice(0, -1).every((s) => s === Math.floor(n / k))).toBe(true);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
        expect(sizes[k - 1] - Math.floor(n / k)).toBe(n % k);
      }),
    );
  });

  it("refuses more buckets than samples", () => {
    expect(() => bucketSizes(3, 4)).toThrow("cannot split 3 samples into 4 buckets");
  });
});

describe("easy → hard order", () => {
  it("sorts by difficulty ascending or by an easiness score descending, unscored last, ties stable", () => {
    const scores = [0.5, Number.NaN, 0.1, 0.9, 0.1];
    expect(Array.from(easyToHardOrder(scores, "higher_is_harder"))).toEqual([2, 4, 0, 3, 1]);
    expect(Array.from(easyToHardOrder(scores, "higher_is_easier"))).toEqual([3, 0, 2, 4, 1]);
  });
});

describe("buildTrainPlan", () => {
  it("cumulative: stage s covers buckets 1..s, each stage extends the previous, the last is all N", () => {
    fc.assert(
      fc.property(planArb, ({ ids, scores, buckets, epochs }) => {
        const plan = buildTrainPlan({ ids, scores, schedule: { mode: "cumulative", buckets, epochs_per_stage: epochs }, source: "pocl" });
        expect(trainPlan.parse(plan)).toEqual(plan);
        const sizes = bucketSizes(ids.length, buckets);
        plan.stages.forEach((stage, s) => {
          expect(stage.stage).toBe(s + 1);
          expect(stage.epochs).toBe(epochs);
          expect(stage.sample_ids).toHaveLength(sizes.slice(0, s + 1).reduce((a, b) => a + b, 0));
          if (s > 0) expect(stage.sample_ids.slice(0, plan.stages[s - 1].sample_ids.length)).toEqual(plan.stages[s - 1].sample_ids);
        });
        expect(sorted(plan.stages[plan.stages.length - 1].sample_ids)).toEqual(sorted(ids));
      }),
    );
  });

  it("every sample of a later bucket is at least as hard as every sample of an earlier one", () => {
    fc.assert(
      fc.property(planArb, ({ ids, scores, buckets }) => {
        const plan = buildTrainPlan({ ids, scores, schedule: { mode: "per_bucket", buckets }, source: "pocl" });
        const score = new Map(ids.map((id, i) => [id, scores[i]]));
        const hardestOf = (b: number) => Math.max(...plan.stages[b].sample_ids.map((id) => score.get(id) as number));
        const easiestOf = (b: number) => Math.min(...plan.stages[b].sample_ids.map((id) => score.get(id) as number));
        for (let b = 1; b < plan.stages.length; b++) expect(easiestOf(b)).toBeGreaterThanOrEqual(hardestOf(b - 1));
        expect(sorted(plan.stages.flatMap((s) => s.sample_ids))).toEqual(sorted(ids));
      }),
    );
  });

  it("temperature and KD weight go linearly from start to end; one stage uses the start values", () => {
    fc.assert(
      fc.property(planArb, ({ ids, scores, buckets, tStart, tEnd, wStart, wEnd }) => {
        const plan = buildTrainPlan({
          ids,
          scores,
          schedule: { buckets, temperature: { start: tStart, end: tEnd }, kd_weight: { start: wStart, end: wEnd } },
          source: "pocl",
        });
        const temps = plan.stages.map((s) => s.temperature);
        const weights = plan.stages.map((s) => s.kd_weight);
        expect(temps[0]).toBeCloseTo(tStart, 5);
        expect(weights[0]).toBeCloseTo(wStart, 5);
        if (buckets > 1) {
          expect(temps[buckets - 1]).toBeCloseTo(tEnd, 5);
          expect(weights[buckets - 1]).toBeCloseTo(wEnd, 5);
        }
        for (let s = 1; s < buckets; s++) {
          expect(temps[s] - temps[s - 1]).toBeCloseTo((tEnd - tStart) / (buckets - 1), 5);
          expect(weights[s] - weights[s - 1]).toBeCloseTo((wEnd - wStart) / (buckets - 1), 5);
          if (tEnd >= tStart) expect(temps[s]).toBeGreaterThanOrEqual(temps[s - 1]);
          if (wEnd >= wStart) expect(weights[s]).toBeGreaterThanOrEqual(weights[s - 1]);
        }
      }),
    );
  });

  it("POCL's defaults: 4 cumulative stages, T 1.0 → 2.0, KD weight 0.7 → 1.0", () => {
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const plan = buildTrainPlan({ ids, scores: [9, 8, 7, 6, 5, 4, 3, 2, 1], schedule: {}, source: "pocl" });
    expect(plan.stages.map((s) => s.temperature)).toEqual([1, 1.333333, 1.666667, 2]);
    expect(plan.stages.map((s) => s.kd_weight)).toEqual([0.7, 0.8, 0.9, 1]);
    // 9 samples in 4 buckets: 2, 2, 2, 3; difficulty ascending puts score 1 ("i") first.
    expect(plan.stages.map((s) => s.sample_ids.join(""))).toEqual(["ih", "ihgf", "ihgfed", "ihgfedcba"]);
    expect(linearRamp(1, 2, 1)).toEqual([1]);
  });

  it("each stage says which buckets its samples come from, in sample order, so the trainer can report loss per bucket", () => {
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const scores = [9, 8, 7, 6, 5, 4, 3, 2, 1];
    const cumulative = buildTrainPlan({ ids, scores, schedule: {}, source: "pocl" });
    expect(cumulative.stages.map((s) => s.buckets)).toEqual([
      [{ bucket: 1, samples: 2 }],
      [{ bucket: 1, samples: 2 }, { bucket: 2, samples: 2 }],
      [{ bucket: 1, samples: 2 }, { bucket: 2, samples: 2 }, { bucket: 3, samples: 2 }],
      [{ bucket: 1, samples: 2 }, { bucket: 2, samples: 2 }, { bucket: 3, samples: 2 }, { bucket: 4, samples: 3 }],
    ]);
    const perBucket = buildTrainPlan({ ids, scores, schedule: { mode: "per_bucket", buckets: 2 }, source: "pocl" });
    expect(perBucket.stages.map((s) => [s.sample_ids.length, s.buckets])).toEqual([
      [4, [{ bucket: 1, samples: 4 }]],
      [5, [{ bucket: 2, samples: 5 }]],
    ]);
  });

  it("a plain run is one stage over every sample in the given order at the start values", () => {
    const plan = buildTrainPlan({ ids: ["x", "y", "x"], schedule: { mode: "plain", epochs_per_stage: 3 }, source: "plain" });
    expect(plan).toEqual({
      schema_version: 1,
      source: "plain",
      stages: [{ stage: 1, sample_ids: ["x", "y", "x"], epochs: 3, temperature: 1, kd_weight: 0.7 }],
    });
  });

  it("names what is missing", () => {
    expect(() => buildTrainPlan({ ids: ["a"], schedule: {}, source: "pocl" })).toThrow('mode "cumulative" needs a bucketing score');
    expect(() => buildTrainPlan({ ids: ["a", "b"], scores: [1], schedule: { buckets: 1 }, source: "pocl" })).toThrow("1 scores for 2 sample ids");
  });
});
