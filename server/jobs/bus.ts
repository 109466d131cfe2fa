import type { JobEvent } from "~/lib/contracts/events";
import type { JobStatus } from "./job-row";

/** What the bus carries for one job: freshly stored events (in seq order) or a status change. */
export type BusMessage =
  | { kind: "events"; events: JobEvent[] }
  | { kind: "status"; status: JobStatus }
  /** The subscriber fell too far behind and its queued events were dropped: re-read them from SQLite. */
  | { kind: "resync" };

type Listener = (message: BusMessage) => void;

/** Kept on globalThis so that a module reload in Next dev keeps publishers and subscribers on one bus. */
const globalForBus = globalThis as unknown as { __distillJobBus?: Map<string, Set<Listener>> };
const listeners = (globalForBus.__distillJobBus ??= new Map());

/** Past this many queued messages a subscriber is told to resync from SQLite instead of buffering more. */
const MAX_QUEUED = 5_000;

export function publish(jobId: string, message: BusMessage): void {
  for (const listener of listeners.get(jobId) ?? []) listener(message);
}

export function subscriberCount(jobId: string): number {
  return listeners.get(jobId)?.size ?? 0;
}

/**
 * Subscribes to one job's messages and returns them as an async iterator, buffering those that arrive
 * before the consumer asks (so nothing published after this call is missed). The iterator ends when
 * `signal` aborts or `return()` is called; both unsubscribe.
 */
export function subscribe(jobId: string, signal?: AbortSignal): AsyncIterableIterator<BusMessage> {
  const queue: BusMessage[] = [];
  let wake: (() => void) | null = null;
  let closed = false;

  const listener: Listener = (message) => {
    if (queue.length >= MAX_QUEUED) {
      const statuses = queue.filter((m) => m.kind === "status");
      queue.length = 0;
      queue.push({ kind: "resync" }, ...statuses);
    }
    queue.push(message);
    wake?.();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    const set = listeners.get(jobId);
    set?.delete(listener);
    if (set?.size === 0) listeners.delete(jobId);
    signal?.removeEventListener("abort", close);
    wake?.();
  };

  if (!listeners.has(jobId)) listeners.set(jobId, new Set());
  listeners.get(jobId)!.add(listener);
  if (signal?.aborted) close();
  else signal?.addEventListener("abort", close);

  return {
    async next() {
      while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      return { value: undefined, done: true };
    },
    async return() {
      close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
