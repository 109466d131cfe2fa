"use client";

import { ProgressBar } from "~/components/progress-bar";
import { formatEta } from "~/lib/format";
import { useJobEvents } from "./use-job-events";

/** A running job's progress bar over SSE (any kind: units done of total, time left, its message); `onEnded` when it finishes. */
export function JobProgress({ jobId, onEnded, prefix }: { jobId: string; onEnded: () => void; prefix?: string }) {
  const live = useJobEvents(jobId, (event) => {
    if (event.type === "done" || event.type === "error") onEnded();
  });
  const p = live.progress;
  const figures = p
    ? `${p.current}${p.total != null ? ` of ${p.total}` : ""} ${p.unit}${p.eta_s != null ? ` · ${formatEta(p.eta_s)} left` : ""}${p.message ? ` · ${p.message}` : ""}`
    : "starting…";
  return <ProgressBar fraction={p?.total ? p.current / p.total : null} label={prefix ? `${prefix}: ${figures}` : figures} />;
}
