import type { Db } from "~/db/client";
import type { JobKind, JobStatus } from "~/lib/contracts/job";

export type { JobStatus };
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
};

export function jobRow(db: Db, id: string): JobRow | undefined {
  return db.$client.prepare("select * from jobs where id = ?").get(id) as JobRow | undefined;
}

export function jobsWithStatus(db: Db, status: JobStatus): JobRow[] {
  return db.$client.prepare("select * from jobs where status = ? order by created_at, id").all(status) as JobRow[];
}
