import { describe, expect, it } from "vitest";
import { trainPlan } from "~/lib/contracts/plan";
import { DAE_STAGE_DEFAULTS, withDaePhase } from "./dae";
import { buildTrainPlan } from "./pocl";

const kdPlan = () =>
  buildTrainPlan({
    ids: ["a", "b", "c"],
    source: "plain",
    schedule: { mode: "plain", epochs_per_stage: 1, temperature: { start: 1, end: 1 }, kd_weight: { start: 1, end: 1 } },
  });

describe("withDaePhase", () => {
  it("runs the KD stages first, then one DAE stage at the paper's settings, and plan.json accepts it", () => {
    const plan = withDaePhase(kdPlan(), ["a", "b", "c"]);
    expect(plan.stages.map((s) => [s.stage, s.phase])).toEqual([[1, "kd"], [2, "dae"]]);
    expect(plan.stages[1]).toMatchObject({ sample_ids: ["a", "b", "c"], ...DAE_STAGE_DEFAULTS });
    expect(trainPlan.parse(plan)).toEqual(plan);
  });

  it("plan.json refuses a KD stage after a DAE stage, and a DAE phase without rows is refused in a sentence", () => {
    const plan = withDaePhase(kdPlan(), ["a"]);
    const result = trainPlan.safeParse({ ...plan, stages: [...plan.stages].reverse() });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe("the plan's kd stages must all come before its dae stages");
    expect(() => withDaePhase(kdPlan(), [])).toThrow("the DAE phase has no training rows to learn from");
  });
});
