"use client";

import type { JobStatus } from "~/lib/contracts/job";
import { LossChart } from "~/components/runs/run/loss-chart";
import { useRunStream } from "~/components/runs/run/use-run-stream";

/** The round's training curve, live while it trains: the run page's loss chart on the round's train job. */
export function RoundTraining({ runId, status }: { runId: string; status: JobStatus }) {
  const { run, version, error } = useRunStream(runId, status);
  if (error) return <p className="error">{error.message}</p>;
  if (!run) return <p className="muted small">Loading the training curve…</p>;
  return <LossChart run={run} version={version} />;
}
