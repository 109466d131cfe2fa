"use client";

import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import type { JobEvent } from "~/lib/contracts/events";
import { applyEvent, resumeSeq, seedLiveRun, type LiveRun } from "~/lib/runs/live-run";
import { useTRPC } from "~/components/trpc/react";

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * A run's live state: the full metric series and a snapshot of the other events are read first, then the
 * SSE subscription continues from the older of the two seqs (tracked events, so a reconnect resumes exactly).
 * Appends happen in place; `version` bumps (at most every 100–500 ms) to re-render.
 *
 * `onEvent` sees each new event that changes what the page shows (a checkpoint included), as it is applied. The
 * server ends the subscription when the job finishes. `status` is the job's status as the page last read it: when
 * a finished run's status changes (it was resumed), the subscription starts again after the last event seen, and
 * follows the resumed attempt.
 */
export function useRunStream(id: string, status: string | undefined, onEvent?: (event: JobEvent) => void) {
  const trpc = useTRPC();
  const once = { staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false } as const;
  const metrics = useQuery({ ...trpc.jobs.metrics.queryOptions({ id }), ...once });
  const snapshot = useQuery({ ...trpc.runs.snapshot.queryOptions({ id }), ...once });
  const run = useRef<LiveRun | null>(null);
  // Where the current subscription starts: fixed while it runs (a changed input would open a new stream).
  const from = useRef(0);
  const [version, setVersion] = useState(0);
  const frame = useRef<ReturnType<typeof setTimeout> | null>(null);
  if (!run.current && metrics.data && snapshot.data) {
    run.current = seedLiveRun(metrics.data, snapshot.data);
    from.current = resumeSeq(run.current);
  }

  const subscription = useSubscription(
    trpc.jobs.events.subscriptionOptions(
      { jobId: id, lastEventId: run.current ? String(from.current) : null },
      {
        enabled: run.current != null,
        onData: ({ data }) => {
          const event = data as JobEvent;
          if (!run.current || !applyEvent(run.current, event)) return;
          onEvent?.(event);
          // Re-render in batches: preparing a 100,000-point chart costs tens of ms, so long runs redraw less often.
          frame.current ??= setTimeout(() => {
            frame.current = null;
            setVersion((v) => v + 1);
          }, run.current.metrics.length > 10_000 ? 500 : 100);
        },
      },
    ),
  );

  const lastStatus = useRef(status);
  useEffect(() => {
    const was = lastStatus.current;
    lastStatus.current = status;
    // Finished, then anything else: resumed (seen queued or running, or already finished again).
    if (!was || !status || !ENDED.has(was) || status === was || !run.current) return;
    const seq = resumeSeq(run.current);
    // Same start as the ended subscription: its input is unchanged, so only a reset subscribes again.
    if (seq === from.current) subscription.reset();
    else {
      from.current = seq;
      setVersion((v) => v + 1);
    }
  }, [status, subscription]);
  return { run: run.current, version, error: metrics.error ?? snapshot.error };
}
