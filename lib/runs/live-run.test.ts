import { describe, expect, it } from "vitest";
import type { JobEvent, MetricEvent } from "~/lib/contracts/events";
import { applyEvent, LOG_TAIL, resumeSeq, seedLiveRun } from "./live-run";

const metric = (seq: number): MetricEvent => ({ seq, time: seq, type: "metric", step: seq, stage: 1, loss: 1 / seq });
const log = (seq: number): JobEvent => ({ seq, time: seq, type: "log", level: "info", message: `line ${seq}` });

/** A stream of alternating metric and log events, seq 1..n. */
const stream = (n: number): JobEvent[] => Array.from({ length: n }, (_, i) => (i % 2 ? log(i + 1) : metric(i + 1)));

const emptySnapshot = (lastSeq: number, logs: JobEvent[]) => ({
  lastSeq,
  stages: [],
  phases: [],
  evals: [],
  logs: logs as Extract<JobEvent, { type: "log" }>[],
  progress: null,
  final: null,
  lastMetric: null,
});

describe("live run", () => {
  it("counts every event exactly once when the two seeds overlap and the live stream replays from the older one", () => {
    const all = stream(40);
    // metric series read at seq 20, snapshot of the rest read later at seq 30
    const run = seedLiveRun(
      all.filter((e): e is MetricEvent => e.type === "metric" && e.seq <= 20),
      emptySnapshot(30, all.filter((e) => e.type === "log" && e.seq <= 30)),
    );
    // the last metric in the series is seq 19: resuming there is safe whatever came after it
    expect(resumeSeq(run)).toBe(19);
    const live = all.filter((e) => e.seq > resumeSeq(run));
    // a reconnect replays a few events again
    for (const e of [...live.slice(0, 8), ...live.slice(5)]) applyEvent(run, e);
    expect(run.metrics.map((m) => m.seq)).toEqual(all.filter((e) => e.type === "metric").map((e) => e.seq));
    expect(run.logs.map((l) => l.seq)).toEqual(all.filter((e) => e.type === "log").map((e) => e.seq));
    expect(run.lastMetric?.seq).toBe(39);
  });

  it("counts a new checkpoint as a change, once: the run page's Evaluation tab lists the checkpoints the run keeps", () => {
    const run = seedLiveRun([], emptySnapshot(0, []));
    const checkpoint: JobEvent = { seq: 1, time: 1, type: "checkpoint", step: 2, stage: 1, path: "checkpoints/step-000002", reason: "interval" };
    expect(applyEvent(run, checkpoint)).toBe(true);
    expect(applyEvent(run, checkpoint)).toBe(false);
  });

  it("keeps only the log tail and remembers the final event", () => {
    const run = seedLiveRun([], emptySnapshot(0, []));
    for (let s = 1; s <= LOG_TAIL + 50; s++) applyEvent(run, log(s));
    applyEvent(run, { seq: LOG_TAIL + 51, time: 0, type: "error", message: "boom" });
    expect(run.logs).toHaveLength(LOG_TAIL);
    expect(run.logs[0]!.seq).toBe(51);
    expect(run.final?.type).toBe("error");
  });
});

describe("a resumed run, live", () => {
  it("replaces the earlier attempt's points and evals from the resumed step on and is no longer finished", () => {
    const at = (seq: number, step: number): MetricEvent => ({ seq, time: seq, type: "metric", step, stage: 1, loss: 1 / seq });
    const evalAt = (seq: number, step: number) => ({ seq, time: seq, type: "eval" as const, step, eval_loss: 1 / seq });
    // Attempt 1: steps 1-3 and an eval at 3, then killed (an error); attempt 2 resumes after a checkpoint at step 2.
    const run = seedLiveRun([at(1, 1), at(2, 2), at(4, 3)], {
      ...emptySnapshot(6, []),
      evals: [evalAt(5, 3)],
      final: { seq: 6, time: 6, type: "error", message: "killed" },
    });
    applyEvent(run, log(7));
    expect(run.final).toBeNull();
    for (const e of [at(8, 3), evalAt(9, 3), at(10, 4)]) applyEvent(run, e);
    expect(run.metrics.map((m) => [m.step, m.seq])).toEqual([[1, 1], [2, 2], [3, 8], [4, 10]]);
    expect(run.evals.map((e) => e.seq)).toEqual([9]);
    expect(run.lastMetric?.seq).toBe(10);
    applyEvent(run, { seq: 11, time: 11, type: "done", result: {} });
    expect(run.final?.type).toBe("done");
  });
});
