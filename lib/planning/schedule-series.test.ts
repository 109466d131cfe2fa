import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTrainPlan } from "./pocl";
import { expandSeries, previewSchedule } from "./schedule-series";

const arb = fc.record({
  n: fc.integer({ min: 8, max: 5000 }),
  buckets: fc.integer({ min: 1, max: 8 }),
  mode: fc.constantFrom("plain" as const, "cumulative" as const, "per_bucket" as const),
  epochs: fc.integer({ min: 1, max: 4 }),
  batch_size: fc.integer({ min: 1, max: 64 }),
  grad_accum: fc.integer({ min: 1, max: 8 }),
});

describe("previewSchedule", () => {
  it("segments tile the steps, stage sizes match the plan, steps = epochs · ceil(samples / global batch)", () => {
    fc.assert(
      fc.property(arb, ({ n, buckets, mode, epochs, batch_size, grad_accum }) => {
        const sched = { mode, buckets, epochs_per_stage: epochs };
        const preview = previewSchedule(n, sched, { batch_size, grad_accum });
        const ids = Array.from({ length: n }, (_, i) => String(i));
        const plan = buildTrainPlan({ ids, scores: ids.map(Number), schedule: sched, source: "t" });
        expect(preview.segments.map((s) => s.samples)).toEqual(plan.stages.map((s) => s.sample_ids.length));
        expect(preview.segments.map((s) => [s.temperature, s.kdWeight])).toEqual(plan.stages.map((s) => [s.temperature, s.kd_weight]));
        let step = 0;
        for (const seg of preview.segments) {
          expect(seg.startStep).toBe(step);
          expect(seg.stepsPerEpoch).toBe(Math.ceil(seg.samples / (batch_size * grad_accum)));
          expect(seg.endStep - seg.startStep).toBe(seg.stepsPerEpoch * epochs);
          expect(seg.bucketSamples.reduce((a, b) => a + b, 0)).toBe(seg.samples);
          step = seg.endStep;
        }
        expect(preview.totalSteps).toBe(step);
        expect(preview.boundaries).toEqual(preview.segments.slice(1).map((s) => s.startStep + 1));
        if (mode === "cumulative") expect(preview.segments[preview.segments.length - 1].samples).toBe(n);
      }),
    );
  });

  it("hand example: 1000 samples, K = 4 cumulative, global batch 16", () => {
    const preview = previewSchedule(1000, {}, { batch_size: 8, grad_accum: 2 });
    expect(preview.segments.map((s) => [s.startStep, s.endStep])).toEqual([[0, 16], [16, 48], [48, 95], [95, 158]]);
    expect(preview.segments[1].bucketSamples).toEqual([250, 250, 0, 0]);
    expect(preview.boundaries).toEqual([17, 49, 96]);
  });
});

describe("expandSeries", () => {
  it("keeps every stage's first and last step, stays near maxPoints, and carries the segment's values", () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 2, max: 300 }), ({ n, buckets, mode, epochs, batch_size, grad_accum }, maxPoints) => {
        const preview = previewSchedule(n, { mode, buckets, epochs_per_stage: epochs }, { batch_size, grad_accum });
        const points = expandSeries(preview, maxPoints);
        expect(points.length).toBeLessThanOrEqual(maxPoints + 2 * preview.segments.length);
        const steps = new Set(points.map((p) => p.step));
        for (const seg of preview.segments) {
          expect(steps.has(seg.startStep + 1) && steps.has(seg.endStep)).toBe(true);
          const inside = points.filter((p) => p.step > seg.startStep && p.step <= seg.endStep);
          expect(inside.every((p) => p.stage === seg.stage && p.temperature === seg.temperature && p.bucket_1 === seg.bucketSamples[0])).toBe(true);
        }
        expect(points.map((p) => p.step)).toEqual([...steps].sort((a, b) => a - b));
      }),
    );
  });
});

describe("stage marks", () => {
  it("sit on each stage's first update, the step where the temperature changes (metric events count updates from 1)", () => {
    // The issue's case: stage 2's mark was drawn at step 5 while the temperature changed at step 6.
    const preview = previewSchedule(20, { mode: "cumulative", buckets: 2, temperature: { start: 1, end: 2 } }, { batch_size: 2, grad_accum: 1 });
    const points = expandSeries(preview);
    expect(points[0]!.step).toBe(1);
    expect(points[points.length - 1]!.step).toBe(preview.totalSteps);
    const changes = points.filter((p, i) => i > 0 && p.temperature !== points[i - 1]!.temperature).map((p) => p.step);
    expect(changes).toEqual([6]);
    expect(preview.boundaries).toEqual(changes);
  });
});
