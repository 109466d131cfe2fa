import { describe, expect, it } from "vitest";
import { pipelineSettings } from "~/lib/contracts/pipeline";
import { TASK_RATIOS } from "~/lib/contracts/taxonomy";
import { initialPipelineForm, pipelineFormErrors, ratiosToSend, withJudge, withTeacherKind } from "./form";

describe("the pipeline form", () => {
  it("starts at the contract's defaults and asks only for a seed pool", () => {
    const form = initialPipelineForm(null);
    expect(form).toMatchObject({ rounds: 3, delta: 1, alpha1: 0.5, alphaGrowth: 0.1, budget: 1000, rewrite: true, ratios: null, seedDatasetId: "" });
    expect(pipelineFormErrors(form)).toEqual({ seedDatasetId: expect.stringContaining("seed dataset") });
    expect(pipelineFormErrors(initialPipelineForm("d1"))).toEqual({});
    expect(pipelineSettings.parse(initialPipelineForm("d1"))).toEqual(initialPipelineForm("d1"));
  });

  it("names a bad field by its path with the contract's sentence", () => {
    const form = { ...initialPipelineForm("d1"), rounds: 0, delta: Number.NaN };
    const errors = pipelineFormErrors(form);
    expect(errors.rounds).toBe("a pipeline has at least 1 round");
    expect(errors.delta).toBeDefined();
  });

  it("sets the KD weight to 0 for an endpoint teacher, which the contract requires, and back for a local one", () => {
    const local = initialPipelineForm("d1");
    expect(pipelineFormErrors({ ...local, teacher: { kind: "endpoint", endpointId: "e1" } })).toHaveProperty(["training.kdWeight"]);
    const endpoint = withTeacherKind({ ...local, teacher: { ...local.teacher, endpointId: "e1" } }, "endpoint");
    expect(endpoint.teacher).toEqual({ kind: "endpoint", endpointId: "e1" });
    expect(endpoint.training.kdWeight).toBe(0);
    expect(pipelineFormErrors(endpoint)).toEqual({});
    const back = withTeacherKind(endpoint, "local");
    expect(back.teacher).toEqual({ kind: "local", endpointId: "e1", model: { source: "embedded" } });
    expect(back.training.kdWeight).toBe(local.training.kdWeight);
  });

  it("has the embedded judge answer with its rating alone, and any other judge in MT-Bench's explained form", () => {
    const form = initialPipelineForm("d1");
    expect(form.scoring.judgeFormat).toBe("rating");
    const other = withJudge(form, "e1");
    expect(other.judgeEndpointId).toBe("e1");
    expect(other.scoring.judgeFormat).toBe("explained");
    expect(withJudge(other, "embedded").scoring.judgeFormat).toBe("rating");
    expect(pipelineFormErrors(other)).toEqual({});
  });

  it("sends TAPIR's mix as null (the default) and any edit as the full record", () => {
    expect(ratiosToSend({ ...TASK_RATIOS }, TASK_RATIOS)).toBeNull();
    expect(ratiosToSend({ ...TASK_RATIOS, Math: 0.5 }, TASK_RATIOS)).toMatchObject({ Math: 0.5, Reasoning: 0.167 });
    expect(ratiosToSend({ ...TASK_RATIOS, Art: 0 }, TASK_RATIOS)).toHaveProperty("Art", 0);
  });
});
