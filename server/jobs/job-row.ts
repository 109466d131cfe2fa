import { asc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobs } from "~/db/schema";
import type { JobStatus } from "~/lib/contracts/job";

/** A jobs row (timestamps in ms since the epoch). */
export type JobRow = typeof jobs.$inferSelect;

export function jobRow(db: Db, id: string): JobRow | undefined {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

/** Oldest first: the order the queue starts them in. */
export function jobsWithStatus(db: Db, status: JobStatus): JobRow[] {
  return db.select().from(jobs).where(eq(jobs.status, status)).orderBy(asc(jobs.createdAt), asc(jobs.id)).all();
}

/** Time spent running, over all attempts (a resumed job's earlier ones included); null before it first starts. */
export function jobDurationMs(row: Pick<JobRow, "startedAt" | "endedAt" | "earlierAttemptsMs">): number | null {
  if (row.startedAt == null) return row.earlierAttemptsMs > 0 ? row.earlierAttemptsMs : null;
  return row.earlierAttemptsMs + (row.endedAt ?? Date.now()) - row.startedAt;
}
