import type { Db } from "~/db/client";
import type { JobEvent } from "~/lib/contracts/events";
import { subscribe } from "./bus";
import { eventsAfter } from "./event-store";
import { FINAL_STATUSES, jobRow } from "./job-row";

/**
 * A job's events with seq above `afterSeq`: first the stored backlog, then live ones from the bus, ending when
 * the job is finished. The bus subscription is made before the backlog is read, so an event stored meanwhile
 * arrives by both ways and is dropped by seq; a gap in the live stream (a slow consumer told to resync) is
 * filled from SQLite. The status is read before the backlog: the manager stores a job's last events before
 * marking it finished, so a finished status means the backlog read after it is complete.
 */
export async function* streamJobEvents(db: Db, jobId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<JobEvent> {
  const live = subscribe(jobId, signal);
  let last = afterSeq;
  function* backlog(upTo = Infinity) {
    for (;;) {
      const batch = eventsAfter(db, jobId, last).filter((e) => e.seq <= upTo);
      for (const event of batch) {
        last = event.seq;
        yield event;
      }
      if (batch.length < 1_000) return;
    }
  }
  try {
    const finished = FINAL_STATUSES.has(jobRow(db, jobId)?.status ?? "failed");
    yield* backlog();
    if (finished) return;
    for await (const message of live) {
      if (message.kind === "status") {
        if (FINAL_STATUSES.has(message.status)) {
          yield* backlog();
          return;
        }
      } else if (message.kind === "resync") {
        yield* backlog();
      } else {
        for (const event of message.events) {
          if (event.seq <= last) continue;
          if (event.seq > last + 1) yield* backlog(event.seq - 1);
          last = event.seq;
          yield event;
        }
      }
    }
  } finally {
    await live.return?.();
  }
}
