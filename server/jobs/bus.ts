import type { JobEvent } from "~/lib/contracts/events";
import type { JobStatus } from "./job-row";

/** What the bus carries for one job: freshly stored events (in seq order) or a status change. */
export type BusMessage =
  | { kind: "events"; events: JobEvent[] }
  | { kind: "status"; status: JobStatus }
  /** Followers should re-read from SQLite what they have not seen (events were stored without a message). */
  | { kind: "resync" };

export type Listener = (message: BusMessage) => void;

/** Kept on globalThis so that a module reload in Next dev keeps publishers and subscribers on one bus. */
const globalForBus = globalThis as unknown as { __distillJobBus?: Map<string, Set<Listener>> };
const listeners = (globalForBus.__distillJobBus ??= new Map());

/**
 * Calls every listener of the job synchronously. All of them get the same message (and event objects), so
 * what is derived from an event once (its SSE frame) can be shared by every subscriber.
 */
export function publish(jobId: string, message: BusMessage): void {
  for (const listener of listeners.get(jobId) ?? []) listener(message);
}

export function subscriberCount(jobId: string): number {
  return listeners.get(jobId)?.size ?? 0;
}

/** Calls `listener` with each message published for the job from now on; returns the function that stops it. */
export function listen(jobId: string, listener: Listener): () => void {
  let set = listeners.get(jobId);
  if (!set) listeners.set(jobId, (set = new Set()));
  set.add(listener);
  return () => {
    const current = listeners.get(jobId);
    current?.delete(listener);
    if (current?.size === 0) listeners.delete(jobId);
  };
}
