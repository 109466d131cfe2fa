"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import { useRef, useState } from "react";
import type { JobEvent } from "~/lib/contracts/events";
import { useTRPC } from "~/components/trpc/react";

export type JobLiveState = {
  progress: Extract<JobEvent, { type: "progress" }> | null;
  final: Extract<JobEvent, { type: "done" | "error" }> | null;
  lastSeq: number;
};

/**
 * Follows a job's events over SSE. The subscription resumes after the last seq it saw on reconnect, so
 * `onEvent` sees each event exactly once; the returned state keeps what a progress view needs.
 */
export function useJobEvents(jobId: string | null, onEvent?: (event: JobEvent) => void): JobLiveState {
  const trpc = useTRPC();
  const [state, setState] = useState<JobLiveState>({ progress: null, final: null, lastSeq: 0 });
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  useSubscription(
    trpc.jobs.events.subscriptionOptions(
      { jobId: jobId ?? "", lastEventId: null },
      {
        enabled: jobId != null,
        onData: ({ data }) => {
          const event = data as JobEvent;
          onEventRef.current?.(event);
          setState((s) => ({
            progress: event.type === "progress" ? event : s.progress,
            final: event.type === "done" || event.type === "error" ? event : s.final,
            lastSeq: event.seq,
          }));
        },
      },
    ),
  );
  return state;
}
