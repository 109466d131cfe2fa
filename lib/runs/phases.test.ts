import { describe, expect, it } from "vitest";
import type { JobEvent } from "~/lib/contracts/events";
import { runMarkers } from "./phases";

type StageEvent = Extract<JobEvent, { type: "stage" }>;
type PhaseEvent = Extract<JobEvent, { type: "phase" }>;

const stage = (n: number, step: number): StageEvent => ({ seq: step, time: 0, type: "stage", stage: n, num_stages: 3, step, temperature: 1, kd_weight: 1, num_samples: 8, steps: 4 });
const phase = (name: "kd" | "dae", index: number, step: number, domain?: number): PhaseEvent => ({
  seq: step,
  time: 0,
  type: "phase",
  phase: name,
  index,
  num_phases: 2,
  step,
  steps: 4,
  stage: index,
  num_samples: 8,
  ...(domain === undefined ? {} : { domain_samples: domain }),
});

describe("run markers", () => {
  it("names the phase a stage starts, marks each stage once, and says how a DAE phase splits its samples", () => {
    const marks = runMarkers([stage(1, 0), stage(2, 4), stage(3, 8)], [phase("kd", 1, 0), phase("dae", 2, 8, 3)], (s) => `stage ${s.stage}`);
    expect(marks).toEqual([
      { x: 1, label: "KD phase (1/2) · stage 1", phase: "kd" },
      { x: 5, label: "stage 2" },
      { x: 9, label: "DAE phase (2/2): 3 domain samples from the expert, 5 from the reference · stage 3", phase: "dae" },
    ]);
  });

  it("marks a phase whose stage event has not arrived yet on its own", () => {
    expect(runMarkers([stage(1, 0)], [phase("kd", 1, 0), phase("dae", 2, 4, 2)], (s) => `stage ${s.stage}`).map((m) => m.label)).toEqual([
      "KD phase (1/2) · stage 1",
      "DAE phase (2/2): 2 domain samples from the expert, 6 from the reference",
    ]);
  });
});
