import { and, eq, inArray, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import type { Db } from "~/db/client";
import { jobs } from "~/db/schema";
import type { JobStatus } from "~/lib/contracts/job";
import type { JobBus } from "./bus";
import { jobRow, type JobRow } from "./job-row";

/**
 * The transitions a job's status may take:
 *   queued → running (a slot claimed it) | failed (it cannot start) | cancelled
 *   running → succeeded | failed | cancelled
 *   failed, cancelled → queued (resumed from a checkpoint)
 */
const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  queued: ["running", "failed", "cancelled"],
  running: ["succeeded", "failed", "cancelled"],
  succeeded: [],
  failed: ["queued"],
  cancelled: ["queued"],
};

/** Statuses a job ends in (until it is resumed). */
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

type NewJobRow = Pick<typeof jobs.$inferInsert, "id" | "kind" | "name" | "runDir" | "datasetId" | "spec">;
type Fields = Omit<SQLiteUpdateSetSource<typeof jobs>, "id" | "kind" | "status" | "name" | "runDir" | "datasetId" | "spec">;

/**
 * Called once a job has been marked failed or cancelled, before that is published, so what it left half done
 * is undone by the time a page hears of it; a throw is logged.
 */
export type OnFailed = (job: JobRow, db: Db, bus: JobBus) => void;

/**
 * The one owner of the jobs table's `status`: each method makes one transition, only from the statuses it may
 * come from (so two studio processes, or a late callback, cannot both make it), and publishes the new status on
 * the bus in the same call. Returns whether the transition happened.
 */
export class JobStates {
  constructor(
    private readonly db: Db,
    private readonly bus: JobBus,
    private readonly onFailed?: OnFailed,
  ) {}

  /** A new job, queued. */
  create(row: NewJobRow): void {
    this.db.insert(jobs).values({ ...row, status: "queued" }).run();
    this.bus.publish(row.id, { kind: "status", status: "queued" });
  }

  /** queued → running on `device`, before its process is spawned (so no second studio process starts it too). */
  claim(id: string, device: string, startedAt: number): boolean {
    return this.move(id, ["queued"], "running", { pid: null, device, startedAt, endedAt: null, error: null });
  }

  /** The process a running job was spawned as (not a transition). */
  recordPid(id: string, pid: number): void {
    this.db.update(jobs).set({ pid }).where(eq(jobs.id, id)).run();
  }

  /** queued → cancelled. */
  /** What the studio did to the job on its own, for its pages (jobs.notice); null clears it. */
  setNotice(id: string, notice: string | null): void {
    this.db.update(jobs).set({ notice }).where(eq(jobs.id, id)).run();
  }

  cancelQueued(id: string): boolean {
    return this.move(id, ["queued"], "cancelled", { endedAt: Date.now() });
  }

  /** queued → failed: it cannot start (no GPU for a CUDA job). */
  failQueued(id: string, error: string): boolean {
    return this.move(id, ["queued"], "failed", { error, endedAt: Date.now() });
  }

  /** running → succeeded, failed or cancelled; a succeeded job's progress is complete. */
  finish(id: string, status: "succeeded" | "failed" | "cancelled", error: string | null): boolean {
    return this.move(id, ["running"], status, { error, endedAt: Date.now(), pid: null, ...(status === "succeeded" ? { progress: 1 } : {}) });
  }

  /**
   * failed or cancelled → queued, to resume in the same run folder; the attempt's running time is kept. `spec`:
   * the job.json the next attempt runs, when the resume rewrote it.
   */
  requeue(id: string, spec?: string): boolean {
    return this.move(id, ["failed", "cancelled"], "queued", {
      ...(spec === undefined ? {} : { spec }),
      error: null,
      pid: null,
      earlierAttemptsMs: sql`${jobs.earlierAttemptsMs} + coalesce(${jobs.endedAt} - ${jobs.startedAt}, 0)`,
      startedAt: null,
      endedAt: null,
    });
  }

  private move(id: string, from: readonly JobStatus[], to: JobStatus, fields: Fields): boolean {
    const refused = from.find((status) => !NEXT[status].includes(to));
    if (refused) throw new Error(`a job cannot go from ${refused} to ${to}`);
    const { changes } = this.db
      .update(jobs)
      .set({ ...fields, status: to })
      .where(and(eq(jobs.id, id), inArray(jobs.status, [...from])))
      .run();
    if (changes !== 1) return false;
    if (this.onFailed && (to === "failed" || to === "cancelled")) this.runOnFailed(id);
    this.bus.publish(id, { kind: "status", status: to });
    return true;
  }

  private runOnFailed(id: string): void {
    try {
      this.onFailed!(jobRow(this.db, id)!, this.db, this.bus);
    } catch (e) {
      console.error(`cleaning up after job ${id} failed: ${(e as Error).message}`);
    }
  }
}
