import { and, asc, desc, eq, gt, gte, inArray, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobEvents, jobs } from "~/db/schema";
import type { JobEvent } from "~/lib/contracts/events";

/** A validated events.jsonl line: the parsed event and the line as written (stored verbatim). */
export type ParsedLine = { event: JobEvent; line: string };

function progressOf(events: readonly ParsedLine[]): number | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!.event;
    if (e.type === "progress" && e.total) return Math.min(1, Math.max(0, e.current / e.total));
  }
  return null;
}

/**
 * Stores a batch of events read from events.jsonl up to byte `toOffset`, in one transaction with the job's
 * last_seq, events_offset and progress, so a crash either stores the whole batch with its offset or none of
 * it. The batch only applies if the stored offset is still `fromOffset`: a second tailer of the same file
 * (another studio process) then stores nothing and learns the current offset instead. Returns the offset the
 * database holds afterwards.
 */
export function storeEvents(db: Db, jobId: string, fromOffset: number, toOffset: number, lines: readonly ParsedLine[]): number {
  // IMMEDIATE: the write lock is taken before the offset is read, so the compare-and-set cannot race.
  return db.transaction(
    (tx) => {
      const current = tx.select({ offset: jobs.eventsOffset }).from(jobs).where(eq(jobs.id, jobId)).get()?.offset;
      if (current === undefined) throw new Error(`job ${jobId} does not exist: cannot store its events`);
      if (current !== fromOffset) return current;
      // One prepared statement run per event: a backlog of a megabyte of events is more than one INSERT's bound
      // variables hold.
      const insert = tx
        .insert(jobEvents)
        .values({ jobId, seq: sql.placeholder("seq"), type: sql.placeholder("type"), time: sql.placeholder("time"), data: sql.placeholder("data") })
        .prepare();
      for (const { event, line } of lines) insert.run({ seq: event.seq, type: event.type, time: event.time, data: line });
      const lastSeq = lines.length > 0 ? lines[lines.length - 1]!.event.seq : null;
      const progress = progressOf(lines);
      tx.update(jobs)
        .set({ eventsOffset: toOffset, ...(lastSeq === null ? {} : { lastSeq }), ...(progress === null ? {} : { progress }) })
        .where(eq(jobs.id, jobId))
        .run();
      return toOffset;
    },
    { behavior: "immediate" },
  );
}

/** Stored events with seq above `afterSeq`, in order; `limit` bounds one read of a long backlog. */
export function eventsAfter(db: Db, jobId: string, afterSeq: number, limit = 1_000): JobEvent[] {
  return db
    .select({ data: jobEvents.data })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, jobId), gt(jobEvents.seq, afterSeq)))
    .orderBy(asc(jobEvents.seq))
    .limit(limit)
    .all()
    .map((row) => JSON.parse(row.data) as JobEvent);
}

/** The last done or error event written at or after `sinceEpochS` (i.e. by the current attempt). */
export function terminalEventSince(db: Db, jobId: string, sinceEpochS: number): JobEvent | undefined {
  const row = db
    .select({ data: jobEvents.data })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, jobId), inArray(jobEvents.type, ["done", "error"]), gte(jobEvents.time, sinceEpochS)))
    .orderBy(desc(jobEvents.seq))
    .limit(1)
    .get();
  return row === undefined ? undefined : (JSON.parse(row.data) as JobEvent);
}
