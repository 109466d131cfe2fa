import type { JobEvent, MetricEvent } from "~/lib/contracts/events";
import { appendByStep, type MetricPoint } from "./metric-points";

type Of<T extends JobEvent["type"]> = Extract<JobEvent, { type: T }>;

/**
 * A run page's state: the full metric series plus the other events it shows. It is seeded from two reads
 * taken at slightly different moments (the metric series and a snapshot of the rest), each with the seq it
 * is complete up to, then extended by live events; each event kind is applied only past its own seed, so an
 * overlap between the reads, or an event replayed on reconnect, is never counted twice.
 */
export type LiveRun = {
  /** Metrics, stages and evals keep one per step (appendByStep): a resumed attempt's replace the earlier one's. */
  metrics: MetricPoint[];
  metricsSeq: number;
  /** The latest metric event in full (throughput, lr), for the progress line. */
  lastMetric: MetricEvent | null;
  otherSeq: number;
  stages: Of<"stage">[];
  /** A run with a DAE phase: where each phase (KD, then DAE) starts. */
  phases: Of<"phase">[];
  evals: Of<"eval">[];
  logs: Of<"log">[];
  progress: Of<"progress"> | null;
  final: Of<"done"> | Of<"error"> | null;
};

export const LOG_TAIL = 200;

/** `metrics` is complete up to its last point's seq; `snapshot` up to its `lastSeq`. */
export function seedLiveRun(metrics: readonly MetricPoint[], snapshot: Omit<LiveRun, "metrics" | "metricsSeq" | "otherSeq"> & { lastSeq: number }): LiveRun {
  const { lastSeq, ...rest } = snapshot;
  return { ...rest, metrics: metrics.slice(), metricsSeq: metrics.at(-1)?.seq ?? 0, otherSeq: lastSeq };
}

/** Where the live subscription must start so neither seed misses an event. */
export function resumeSeq(run: LiveRun): number {
  return Math.min(run.metricsSeq, run.otherSeq);
}

/** Applies one event in place; returns whether anything visible changed (a new checkpoint: the ones the run keeps). */
export function applyEvent(run: LiveRun, event: JobEvent): boolean {
  if (event.type === "metric") {
    if (event.seq <= run.metricsSeq) return false;
    appendByStep(run.metrics, event);
    run.metricsSeq = event.seq;
    if (!run.lastMetric || event.seq > run.lastMetric.seq) run.lastMetric = event;
    return true;
  }
  if (event.seq <= run.otherSeq) return false;
  run.otherSeq = event.seq;
  // Anything after a done or error comes from a resumed attempt: the run is no longer finished.
  if (run.final && event.type !== "done" && event.type !== "error") run.final = null;
  switch (event.type) {
    case "stage":
      appendByStep(run.stages, event);
      return true;
    case "phase":
      appendByStep(run.phases, event);
      return true;
    case "eval":
      appendByStep(run.evals, event);
      return true;
    case "log":
      run.logs.push(event);
      if (run.logs.length > LOG_TAIL) run.logs.splice(0, run.logs.length - LOG_TAIL);
      return true;
    case "progress":
      run.progress = event;
      return true;
    case "done":
    case "error":
      run.final = event;
      return true;
    case "checkpoint":
      return true;
    default:
      return false;
  }
}
