import { describe, expect, it } from "vitest";
import type { PipelineRound, PipelineStep } from "~/lib/contracts/pipeline";
import { openRound, runningSteps, stepJobStatus } from "./pipeline-view";

const step = (kind: PipelineStep["kind"], status: PipelineStep["status"], jobId: string | null = null): PipelineStep => ({
  kind,
  status,
  jobId,
  attempts: status === "pending" ? 0 : 1,
  message: null,
  startedAt: null,
  finishedAt: null,
  jobSeconds: null,
  frozen: [],
});

const round = (n: number, steps: PipelineStep[] = []): PipelineRound => ({
  round: n,
  status: "pending",
  alpha: null,
  steps,
  mix: null,
  hardShare: null,
  sizeByOrigin: null,
  datasetId: null,
  runId: null,
  mfd: null,
  eval: null,
});

describe("openRound", () => {
  const detail = { rounds_detail: [round(1), round(2), round(3)], currentRound: 2 };

  it("opens the round the URL names when the pipeline has it", () => {
    expect(openRound(detail, "3")).toBe(3);
  });

  it("falls back to the round running now for no, an unknown or a malformed round", () => {
    expect(openRound(detail, null)).toBe(2);
    expect(openRound(detail, "7")).toBe(2);
    expect(openRound(detail, "2x")).toBe(2);
    expect(openRound(detail, "-1")).toBe(2);
  });

  it("opens round 1 while the baselines run (current round 0)", () => {
    expect(openRound({ ...detail, currentRound: 0 }, null)).toBe(1);
  });
});

describe("runningSteps", () => {
  it("follows every running step that has a job, baselines included, and no other", () => {
    const detail = {
      baselines: [step("eval_initial", "succeeded", "j0"), step("eval_teacher", "running", "j1")],
      rounds_detail: [round(1, [step("select", "running"), step("train", "running", "j2"), step("score", "pending")])],
    };
    expect(runningSteps(detail).map((s) => s.jobId)).toEqual(["j1", "j2"]);
  });
});

describe("stepJobStatus", () => {
  it("reads a step not started as queued and a skipped one as ended", () => {
    expect(stepJobStatus("pending")).toBe("queued");
    expect(stepJobStatus("skipped")).toBe("cancelled");
    expect(stepJobStatus("running")).toBe("running");
  });
});
