import type { Db } from "~/db/client";
import type { JobEvent } from "~/lib/contracts/events";
import type { BusMessage, JobBus } from "./bus";
import { eventsAfter } from "./event-store";
import { jobRow } from "./job-row";
import { FINAL_STATUSES } from "./job-state";

/** One SQLite read of a backlog. */
const BACKLOG_BATCH = 1_000;
/** Past this many live events not yet taken, a follower drops them and re-reads from SQLite instead. */
const MAX_QUEUED = 5_000;

/**
 * Follows one job's events with seq above `afterSeq`: first the stored backlog, then live ones from the bus,
 * ending once the job is finished. Everything is synchronous (better-sqlite3), so it can feed an SSE stream
 * without an async step per event. The bus listener is added before anything is read, so an event stored
 * meanwhile arrives by both ways and is dropped by seq; while behind (reading the backlog) live events are
 * ignored, since the tailer stores events before publishing them; a gap in the live events is filled from
 * SQLite, and a follower whose consumer falls too far behind re-reads from SQLite rather than buffering. The
 * status is read when it starts and a final status message switches it back to SQLite: the manager stores a
 * job's last events before marking it finished, so the backlog read after that is complete.
 *
 * `take()` returns the events to deliver now (the same objects the bus carried, for live ones); `wake` is
 * called whenever a bus message may have made some available; `done` is set once the last event was taken.
 */
export class JobEventFollower {
  private last: number;
  private queue: JobEvent[] = [];
  private behind = true;
  private ending: boolean;
  private stopListening: (() => void) | null;
  done = false;

  constructor(
    private readonly db: Db,
    bus: JobBus,
    private readonly jobId: string,
    afterSeq: number,
    private readonly wake: () => void,
  ) {
    this.last = afterSeq;
    this.stopListening = bus.listen(jobId, (message) => this.receive(message));
    this.ending = FINAL_STATUSES.has(jobRow(db, jobId)?.status ?? "failed");
  }

  private receive(message: BusMessage): void {
    if (message.kind === "events") {
      if (this.behind) return;
      this.queue.push(...message.events);
      if (this.queue.length > MAX_QUEUED) this.rewind();
    } else if (message.kind === "resync") {
      this.rewind();
    } else if (FINAL_STATUSES.has(message.status)) {
      this.ending = true;
      this.rewind();
    } else return;
    this.wake();
  }

  private rewind(): void {
    this.queue = [];
    this.behind = true;
  }

  /** The next events in seq order; empty when none are available yet (or after the end). */
  take(): JobEvent[] {
    if (this.done) return [];
    if (this.behind) {
      const batch = eventsAfter(this.db, this.jobId, this.last, BACKLOG_BATCH);
      if (batch.length > 0) this.last = batch.at(-1)!.seq;
      if (batch.length < BACKLOG_BATCH) {
        this.behind = false;
        if (this.ending) this.finish();
      }
      return batch;
    }
    const live = this.queue;
    this.queue = [];
    const out: JobEvent[] = [];
    for (const event of live) {
      if (event.seq <= this.last) continue;
      if (event.seq > this.last + 1) this.fill(event.seq - 1, out);
      this.last = event.seq;
      out.push(event);
    }
    return out;
  }

  /** Stored events after the last one up to `upTo` (a gap in the live events). */
  private fill(upTo: number, out: JobEvent[]): void {
    for (;;) {
      const batch = eventsAfter(this.db, this.jobId, this.last, BACKLOG_BATCH);
      for (const event of batch) {
        if (event.seq > upTo) return;
        this.last = event.seq;
        out.push(event);
      }
      if (batch.length < BACKLOG_BATCH) return;
    }
  }

  private finish(): void {
    this.done = true;
    this.close();
  }

  /** Stops listening to the bus (idempotent); `take()` still returns what is stored. */
  close(): void {
    this.stopListening?.();
    this.stopListening = null;
  }
}

/**
 * What a generator that follows the bus awaits while it has nothing to send: wait() until the next wake(). A wake
 * while no one waits is not kept, so the generator looks at what it follows again before each wait.
 */
export function wakeable(): { wake: () => void; wait: () => Promise<void> } {
  let resume: (() => void) | null = null;
  return {
    wake: () => {
      resume?.();
      resume = null;
    },
    wait: () => new Promise<void>((r) => (resume = r)),
  };
}

/** The same events as an async generator (the tRPC procedure, in-process callers). Ends when `signal` aborts. */
export async function* streamJobEvents(db: Db, bus: JobBus, jobId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<JobEvent> {
  const { wake, wait } = wakeable();
  const follower = new JobEventFollower(db, bus, jobId, afterSeq, wake);
  signal?.addEventListener("abort", wake);
  try {
    while (!signal?.aborted) {
      const batch = follower.take();
      // Not `yield*`: over an empty array it would still await, and a wake-up in that gap would be lost.
      for (const event of batch) yield event;
      if (follower.done) return;
      if (batch.length === 0) await wait();
    }
  } finally {
    signal?.removeEventListener("abort", wake);
    follower.close();
  }
}
