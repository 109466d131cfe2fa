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
  it("replaces the earlier attempt's points from the resumed step on and is no longer finished", () => {
    const at = (seq: number, step: number): MetricEvent => ({ seq, time: seq, type: "metric", step, stage: 1, loss: 1 / seq });
    const run = seedLiveRun([at(1, 1), at(2, 2), at(3, 3)], {
      ...emptySnapshot(4, []),
      final: { seq: 4, time: 4, type: "error", message: "killed" },
    });
    applyEvent(run, log(5));
    expect(run.final).toBeNull();
    for (const e of [at(6, 3), at(7, 4)]) applyEvent(run, e);
    expect(run.metrics.map((m) => [m.step, m.seq])).toEqual([[1, 1], [2, 2], [3, 6], [4, 7]]);
    expect(run.lastMetric?.seq).toBe(7);
    applyEvent(run, { seq: 8, time: 8, type: "done", result: {} });
    expect(run.final?.type).toBe("done");
  });
});
