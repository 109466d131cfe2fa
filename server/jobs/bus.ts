import type { JobEvent } from "~/lib/contracts/events";
import type { JobStatus } from "~/lib/contracts/job";

/** What the bus carries for one job: freshly stored events (in seq order) or a status change. */
export type BusMessage =
  | { kind: "events"; events: JobEvent[] }
  | { kind: "status"; status: JobStatus }
  /** Followers should re-read from SQLite what they have not seen (events were stored without a message). */
  | { kind: "resync" };

export type Listener = (message: BusMessage) => void;

/**
 * In-process publish/subscribe per job: the tailer and the job manager publish, event followers (SSE,
 * subscriptions) listen. The studio makes one (server/startup.ts) and hands it to the job manager.
 */
export class JobBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  /**
   * Calls every listener of the job synchronously. All of them get the same message (and event objects), so
   * what is derived from an event once (its SSE frame) can be shared by every subscriber.
   */
  publish(jobId: string, message: BusMessage): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener(message);
  }

  subscriberCount(jobId: string): number {
    return this.listeners.get(jobId)?.size ?? 0;
  }

  /** Calls `listener` with each message published for the job from now on; returns the function that stops it. */
  listen(jobId: string, listener: Listener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(jobId);
    };
  }
}
