import { describe, expect, it } from "vitest";
import type { CurriculumInput, PlanRow } from "./curriculum";
import { previewCurriculum } from "./curriculum";
import { encodeTypes } from "./ratios";
import { planRun, previewRun, runRows } from "./run-plan";
import { splitRows } from "./run-split";

/** 20 rows: ids 101..120, Math and Writing alternating, rows 3, 7 and 11 prompts without an answer. */
const ids = Array.from({ length: 20 }, (_, i) => 101 + i);
const types = ids.map((_, i) => (i % 2 ? "Writing" : "Math"));
const promptOnlyAt = [3, 7, 11];
const columns = { ids, promptOnlyAt };
const rows: PlanRow[] = ids.map((id, i) => ({ id: String(id), type: types[i]!, difficulty: null, bucket_score: i / 20 }));
const previewRows = { types: encodeTypes(types) };
const batching = { batch_size: 2, grad_accum: 1 };

const spec = (over: Partial<CurriculumInput> = {}): CurriculumInput => ({
  dataset_id: "d",
  resample: { tag_result_id: "t", ratios: { Math: 1, Writing: 1 }, n: 10 },
  schedule: { mode: "cumulative", buckets: 2 },
  bucket_result_id: "s",
  eval_size: 5,
  seed: 3,
  ...over,
});

describe("the run's rows", () => {
  it("are the answered rows less the seeded eval hold-out, exactly as a plain run splits them", () => {
    const run = runRows(columns, { evalSize: 5, seed: 3 });
    const answered = ids.filter((_, i) => !promptOnlyAt.includes(i));
    expect(run.split).toEqual(splitRows(answered, { evalSize: 5, trainSamples: null, seed: 3 }));
    expect(Array.from(run.positions, (i) => ids[i])).toEqual(run.split.trainIds);
    expect(run.positions).toHaveLength(12);
    expect(run.promptOnly).toBe(3);
  });

  it("refuse an eval hold-out that leaves nothing to train on, in a sentence", () => {
    expect(() => runRows(columns, { evalSize: 17, seed: 3 })).toThrow(
      "holding out 17 rows for evaluation leaves none to train on: the dataset has 17 rows with an answer (3 more are prompts without an answer, which runs leave out); lower the eval rows",
    );
    expect(() => runRows({ ids: [1, 2], promptOnlyAt: [0, 1] }, { evalSize: 0, seed: 3 })).toThrow("none of the 2 rows has an answer: runs train on answered rows only");
  });
});

describe("preview and launch plan", () => {
  it("are the same plan: the preview's stages, bucket sizes and steps are the launch's, on the training rows only", () => {
    const run = runRows(columns, { evalSize: 5, seed: 3 });
    const preview = previewRun(spec(), previewRows, run, batching);
    const launched = planRun(spec(), rows, run, { source: "hash", batching });
    expect(launched.preview).toEqual(preview);
    expect(launched.schedule).toEqual(preview.schedule);
    expect(launched.counts).toEqual(preview.counts);
    expect(preview.schedule.bucketSizes).toEqual([5, 5]);
    expect(launched.plan.stages.map((s) => s.sample_ids.length)).toEqual(preview.schedule.segments.map((s) => s.samples));
    const planned = new Set(launched.plan.stages.flatMap((s) => s.sample_ids).map(Number));
    const excluded = [...run.split.evalIds, ...promptOnlyAt.map((i) => ids[i]!)];
    expect(excluded.filter((id) => planned.has(id))).toEqual([]);
    expect([...planned].every((id) => run.split.trainIds.includes(id))).toBe(true);
  });

  it("reports a plan that cannot be built once the eval and prompt-only rows are out, where the whole dataset looked fine", () => {
    // The design as it used to be previewed (every row): 20 samples, 4 buckets of 5.
    const design = spec({ resample: null, schedule: { mode: "cumulative", buckets: 4 }, eval_size: 14 });
    expect(previewCurriculum(design, previewRows, batching).schedule?.bucketSizes).toEqual([5, 5, 5, 5]);
    const run = runRows(columns, { evalSize: 14, seed: 3 });
    const refusal =
      "3 resampled samples are too few for 4 buckets: the run trains on 3 of the 20 rows (14 held out for evaluation, 3 prompts without an answer); lower K to 3 or fewer, or raise N";
    expect(() => previewRun(design, previewRows, run, batching)).toThrow(refusal);
    expect(() => planRun(design, rows, run, { source: "hash", batching })).toThrow(refusal);
    expect(() => previewRun(spec({ resample: { tag_result_id: "t", ratios: { Math: 1 }, n: 1 } }), previewRows, run, batching)).toThrow(
      "1 resampled sample is too few for 2 buckets",
    );
    expect(() => previewRun(spec({ resample: { tag_result_id: "t", ratios: { "Code Generation": 1 }, n: 10 } }), previewRows, run, batching)).toThrow(
      /^the resampling selects no sample: .*; raise N or give a ratio to a type that has rows$/,
    );
  });
});
