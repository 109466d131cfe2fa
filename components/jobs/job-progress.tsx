"use client";

import { ProgressBar } from "~/components/progress-bar";
import type { JobEvent } from "~/lib/contracts/events";
import { formatEta } from "~/lib/format";
import { useJobEvents } from "./use-job-events";

/**
 * A running job's progress bar over SSE (any kind: units done of total, time left, its message); `onEnded` when it
 * finishes; `onEvent` sees every event (a panel's log lines).
 */
export function JobProgress({ jobId, onEnded, onEvent, prefix }: { jobId: string; onEnded: () => void; onEvent?: (event: JobEvent) => void; prefix?: string }) {
  const live = useJobEvents(jobId, (event) => {
    onEvent?.(event);
    if (event.type === "done" || event.type === "error") onEnded();
  });
  const p = live.progress;
  const figures = p
    ? `${p.current}${p.total != null ? ` of ${p.total}` : ""} ${p.unit}${p.eta_s != null ? ` · ${formatEta(p.eta_s)} left` : ""}${p.message ? ` · ${p.message}` : ""}`
    : "starting…";
  return <ProgressBar fraction={p?.total ? p.current / p.total : null} label={prefix ? `${prefix}: ${figures}` : figures} />;
}
