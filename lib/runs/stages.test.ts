import { describe, expect, it } from "vitest";
import { lossByStage, stageMarkStep } from "./stages";

describe("stageMarkStep", () => {
  it("marks a stage on its first update: the trainer's stage event at index 5 is followed by metric step 6", () => {
    // trainer/distill/train.py: for n in range(...): stage event step=n at a stage's first n, metric step=n + 1
    const stageEvent = { step: 5 };
    const firstMetricOfStage = { step: stageEvent.step + 1 };
    expect(stageMarkStep(stageEvent)).toBe(firstMetricOfStage.step);
    expect(stageMarkStep({ step: 0 })).toBe(1);
  });
});

describe("lossByStage", () => {
  it("averages each stage's losses, skipping terms a metric lacks, in stage order", () => {
    const m = (seq: number, stage: number, loss: number, kd: number | null, ce: number | null) => ({ seq, step: seq, stage, loss, kd_loss: kd, ce_loss: ce });
    const out = lossByStage([m(1, 1, 4, 3, null), m(2, 1, 2, 1, null), m(3, 2, 1, 0.5, 2), m(4, 2, 3, 1.5, 4)]);
    expect(out).toEqual([
      { stage: 1, updates: 2, meanLoss: 3, meanKd: 2, meanCe: null, lastLoss: 2 },
      { stage: 2, updates: 2, meanLoss: 2, meanKd: 1, meanCe: 3, lastLoss: 3 },
    ]);
    expect(lossByStage([])).toEqual([]);
  });
});
