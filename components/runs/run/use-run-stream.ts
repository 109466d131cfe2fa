"use client";

import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useRef, useState } from "react";
import type { JobEvent } from "~/lib/contracts/events";
import { applyEvent, resumeSeq, seedLiveRun, type LiveRun } from "~/lib/runs/live-run";
import { useTRPC } from "~/components/trpc/react";

/**
 * A run's live state: the full metric series and a snapshot of the other events are read first, then the
 * SSE subscription continues from the older of the two seqs (tracked events, so a reconnect resumes exactly).
 * Appends happen in place; `version` bumps (at most every 100–500 ms) to re-render.
 */
export function useRunStream(id: string, onFinal?: (event: JobEvent) => void) {
  const trpc = useTRPC();
  const once = { staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false } as const;
  const metrics = useQuery({ ...trpc.jobs.metrics.queryOptions({ id }), ...once });
  const snapshot = useQuery({ ...trpc.runs.snapshot.queryOptions({ id }), ...once });
  const run = useRef<LiveRun | null>(null);
  const [version, setVersion] = useState(0);
  const frame = useRef<ReturnType<typeof setTimeout> | null>(null);
  if (!run.current && metrics.data && snapshot.data) run.current = seedLiveRun(metrics.data, snapshot.data);

  useSubscription(
    trpc.jobs.events.subscriptionOptions(
      { jobId: id, lastEventId: run.current ? String(resumeSeq(run.current)) : null },
      {
        enabled: run.current != null,
        onData: ({ data }) => {
          const event = data as JobEvent;
          if (!run.current || !applyEvent(run.current, event)) return;
          if (event.type === "done" || event.type === "error") onFinal?.(event);
          // Re-render in batches: preparing a 100,000-point chart costs tens of ms, so long runs redraw less often.
          frame.current ??= setTimeout(() => {
            frame.current = null;
            setVersion((v) => v + 1);
          }, run.current.metrics.length > 10_000 ? 500 : 100);
        },
      },
    ),
  );
  return { run: run.current, version, error: metrics.error ?? snapshot.error };
}
