"use client";

import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useRef, useState } from "react";
import type { JobEvent } from "~/lib/contracts/events";
import { applyEvent, resumeSeq, seedLiveRun, type LiveRun } from "~/lib/runs/live-run";
import { useTRPC } from "~/lib/trpc/react";

/**
 * A run's live state: the full metric series and a snapshot of the other events are read first, then the
 * SSE subscription continues from the older of the two seqs (tracked events, so a reconnect resumes exactly).
 * Appends happen in place; `version` bumps at most once per animation frame to re-render.
 */
export function useRunStream(id: string, onFinal?: (event: JobEvent) => void) {
  const trpc = useTRPC();
  const once = { staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false } as const;
  const metrics = useQuery({ ...trpc.jobs.metrics.queryOptions({ id }), ...once });
  const snapshot = useQuery({ ...trpc.runs.snapshot.queryOptions({ id }), ...once });
  const run = useRef<LiveRun | null>(null);
  const [version, setVersion] = useState(0);
  const frame = useRef<number | null>(null);
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
          frame.current ??= requestAnimationFrame(() => {
            frame.current = null;
            setVersion((v) => v + 1);
          });
        },
      },
    ),
  );
  return { run: run.current, version, error: metrics.error ?? snapshot.error };
}
