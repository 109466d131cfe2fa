import type { Db } from "~/db/client";
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
  // Raw SQL on the client: the tailer's hot path (every batch of events), kept to plain prepared statements in
  // one IMMEDIATE transaction around a compare-and-set of the stored offset.
  const sqlite = db.$client;
  const run = sqlite.transaction(() => {
    const current = sqlite.prepare("select events_offset from jobs where id = ?").pluck().get(jobId) as number | undefined;
    if (current === undefined) throw new Error(`job ${jobId} does not exist: cannot store its events`);
    if (current !== fromOffset) return current;
    const insert = sqlite.prepare("insert into job_events (job_id, seq, type, time, data) values (?, ?, ?, ?, ?)");
    for (const { event, line } of lines) insert.run(jobId, event.seq, event.type, event.time, line);
    const lastSeq = lines.length > 0 ? lines[lines.length - 1]!.event.seq : null;
    sqlite
      .prepare(
        `update jobs set events_offset = ?, last_seq = coalesce(?, last_seq), progress = coalesce(?, progress)
         where id = ?`,
      )
      .run(toOffset, lastSeq, progressOf(lines), jobId);
    return toOffset;
  });
  return run.immediate();
}

/** Stored events with seq above `afterSeq`, in order; `limit` bounds one read of a long backlog. */
export function eventsAfter(db: Db, jobId: string, afterSeq: number, limit = 1_000): JobEvent[] {
  const rows = db.$client
    .prepare("select data from job_events where job_id = ? and seq > ? order by seq limit ?")
    .pluck()
    .all(jobId, afterSeq, limit) as string[];
  return rows.map((data) => JSON.parse(data) as JobEvent);
}

/** The last done or error event written at or after `sinceEpochS` (i.e. by the current attempt). */
export function terminalEventSince(db: Db, jobId: string, sinceEpochS: number): JobEvent | undefined {
  const data = db.$client
    .prepare(
      `select data from job_events where job_id = ? and type in ('done', 'error') and time >= ?
       order by seq desc limit 1`,
    )
    .pluck()
    .get(jobId, sinceEpochS) as string | undefined;
  return data === undefined ? undefined : (JSON.parse(data) as JobEvent);
}
