import type { JobStatus } from "~/lib/contracts/job";

/** A job status as a coloured pill (classes from globals.css). */
export function StatusBadge({ status, queuePosition }: { status: JobStatus; queuePosition?: number | null }) {
  return (
    <span className={`badge ${status}`} data-testid="run-status">
      {status}
      {status === "queued" && queuePosition ? ` #${queuePosition}` : ""}
    </span>
  );
}
