import type { Db } from "~/db/client";
import type { JobKind } from "~/lib/contracts/job";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** A jobs row as SQLite returns it (snake_case columns, timestamps in ms). */
export type JobRow = {
  id: string;
  kind: JobKind;
  status: JobStatus;
  name: string;
  run_dir: string;
  dataset_id: string | null;
  spec: string;
  pid: number | null;
  device: string | null;
  last_seq: number;
  events_offset: number;
  progress: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  /** Running time of the attempts before the current one (a resume adds the last one's). */
  earlier_attempts_ms: number;
};

export function jobRow(db: Db, id: string): JobRow | undefined {
  return db.$client.prepare("select * from jobs where id = ?").get(id) as JobRow | undefined;
}

export function jobsWithStatus(db: Db, status: JobStatus): JobRow[] {
  return db.$client.prepare("select * from jobs where status = ? order by created_at, id").all(status) as JobRow[];
}

/** Time spent running, over all attempts (a resumed job's earlier ones included); null before it first starts. */
export function jobDurationMs(row: Pick<JobRow, "started_at" | "ended_at" | "earlier_attempts_ms">): number | null {
  if (row.started_at == null) return row.earlier_attempts_ms > 0 ? row.earlier_attempts_ms : null;
  return row.earlier_attempts_ms + (row.ended_at ?? Date.now()) - row.started_at;
}
