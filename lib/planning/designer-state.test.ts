import { describe, expect, it } from "vitest";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { countTypes, encodeTypes, tapirRatios } from "./ratios";
import { curriculum } from "./curriculum";
import { defaultEvalSize, parseDesignerState, toCurriculum } from "./designer-state";
import { overRepeated, previewCounts } from "./resample";

/** The walk-through's dataset: 40 rows of 14 task types, one of them a single Math row. */
const present = TASK_TYPES.filter((t) => t !== "Math").slice(0, 13);
const labels = ["Math", ...Array.from({ length: 39 }, (_, i) => present[i % present.length]!)];
const codes = encodeTypes(labels);

describe("designer defaults fitted to the data", () => {
  it("default N to the training rows, hold out a few for evaluation, and give ratios only to the types present", () => {
    const state = parseDesignerState(JSON.stringify({ mode: "plain" }));
    const spec = curriculum.parse(toCurriculum("d", state, { answered: 40, trainingTypes: countTypes(codes) }));
    expect(spec.eval_size).toBe(8);
    expect(spec.resample?.n).toBe(32);
    expect(Object.keys(spec.resample!.ratios).sort()).toEqual([...present, "Math"].sort());
    expect(spec.resample!.ratios.Math).toBe(tapirRatios().Math);
    const counts = previewCounts({ types: codes, n: spec.resample!.n, ratios: spec.resample!.ratios as Record<string, number> });
    expect(counts.missing).toEqual([]);
    expect(counts.types.filter((t) => t.target > 0 && t.available === 0)).toEqual([]);
  });

  it("keep what the user chose, and a small dataset keeps rows to train on", () => {
    const chosen = parseDesignerState(JSON.stringify({ mode: "plain", n: 400, evalSize: 2, ratios: { Math: 1 }, preset: "custom" }));
    const spec = curriculum.parse(toCurriculum("d", chosen, { answered: 40, trainingTypes: countTypes(codes) }));
    expect(spec).toMatchObject({ eval_size: 2, resample: { n: 400, ratios: { Math: 1 } } });
    expect([defaultEvalSize(3), defaultEvalSize(12), defaultEvalSize(1000)]).toEqual([0, 2, 8]);
  });
});

describe("repetition warnings", () => {
  it("name each type repeated more than 3× its rows, with the factor, most repeated first", () => {
    const counts = previewCounts({ types: codes, n: 400, ratios: tapirRatios() });
    const warnings = overRepeated(counts);
    expect(warnings[0]).toEqual({ type: "Math", available: 1, selected: 66, factor: 66 });
    expect(warnings.every((w) => w.factor > 3)).toBe(true);
    // 3 rows at 3× each is what "a few times" allows.
    expect(overRepeated(previewCounts({ types: ["Math", "Math", "Math"], n: 9, ratios: { Math: 1 } }))).toEqual([]);
    expect(overRepeated(previewCounts({ types: ["Math", "Math", "Math"], n: 10, ratios: { Math: 1 } }))).toEqual([
      { type: "Math", available: 3, selected: 10, factor: 10 / 3 },
    ]);
  });
});
