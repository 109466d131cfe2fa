import { describe, expect, it } from "vitest";
import { hardShareOfRound, pipelineSettings } from "./pipeline";

const minimal = { seedDatasetId: "ds", teacher: { kind: "local", endpointId: "embedded" }, judgeEndpointId: "embedded" } as const;

describe("pipeline settings", () => {
  it("fills TAPIR's unconfirmed choices with their defaults: 3 rounds, δ 1, α₁ 0.5 growing 0.1, SelfInst and IFEval", () => {
    const s = pipelineSettings.parse(minimal);
    expect(s).toMatchObject({ rounds: 3, delta: 1, alpha1: 0.5, alphaGrowth: 0.1, rewrite: true, firstRoundSet: "resample", ratios: null });
    expect(s.evaluation.suites.map((x) => x.name)).toEqual(["selfinst", "ifeval"]);
    expect(s.teacher).toEqual({ kind: "local", endpointId: "embedded", model: { source: "embedded" } });
  });

  it("refuses an endpoint teacher with a KD weight, in a sentence: an endpoint gives answers, not logits", () => {
    const r = pipelineSettings.safeParse({ ...minimal, teacher: { kind: "endpoint", endpointId: "e1" } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/^an endpoint teacher gives answers, not logits/);
    expect(pipelineSettings.safeParse({ ...minimal, teacher: { kind: "endpoint", endpointId: "e1" }, training: { kdWeight: 0 } }).success).toBe(true);
  });

  it("grows α from round 2 on, capped at 1; round 1 has none", () => {
    const s = { alpha1: 0.5, alphaGrowth: 0.3 };
    expect([1, 2, 3, 4].map((r) => hardShareOfRound(s, r))).toEqual([null, 0.5, 0.8, 1]);
  });
});
