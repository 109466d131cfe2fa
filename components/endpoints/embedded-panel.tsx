"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { formatEta } from "~/lib/format";
import { TestResult } from "./test-result";

/** The studio's own llama.cpp server for the embedded SmolLM2-135M-Instruct: its state, Start/Stop, Test and its log. */
export function EmbeddedPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery({
    ...trpc.endpoints.embedded.queryOptions(),
    // Often while it starts or runs (its log grows, the idle stop comes), seldom otherwise (a job may start it).
    refetchInterval: (q) => (q.state.data?.state === "starting" || q.state.data?.state === "running" ? 1_500 : 10_000),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.endpoints.embedded.queryKey() });
  const start = useMutation(trpc.endpoints.startEmbedded.mutationOptions({ onSettled: refresh }));
  const stop = useMutation(trpc.endpoints.stopEmbedded.mutationOptions({ onSettled: refresh }));
  const test = useMutation(trpc.endpoints.test.mutationOptions({ onSettled: refresh }));
  if (status.error) return <p className="error">{status.error.message}</p>;
  const s = status.data;
  if (!s) return <p className="muted">Loading the embedded endpoint…</p>;
  const busy = s.state === "starting" || start.isPending;
  return (
    <div className="panel" data-testid="embedded-endpoint">
      <h2 style={{ marginTop: 0 }}>
        Embedded endpoint <span className={`badge ${s.state === "running" ? "succeeded" : s.state}`} data-testid="embedded-state">{s.state}</span>
      </h2>
      <p className="small muted">
        SmolLM2-135M-Instruct (model name <span className="mono">{s.model}</span>) served by llama.cpp on this machine, for trying the
        studio offline. It starts when needed and stops after {formatEta(s.idleStopMs / 1000)} without requests.
        {s.baseUrl && (
          <>
            {" "}
            Base URL: <span className="mono" data-testid="embedded-url">{s.baseUrl}</span>
          </>
        )}
      </p>
      <div className="row">
        {s.state === "running" || s.state === "starting" ? (
          <button onClick={() => stop.mutate()} disabled={stop.isPending}>
            Stop
          </button>
        ) : (
          <button className="primary" onClick={() => start.mutate()} disabled={busy}>
            Start
          </button>
        )}
        <button onClick={() => test.mutate({ id: EMBEDDED_ENDPOINT_ID })} disabled={test.isPending}>
          {test.isPending ? "Testing…" : "Test"}
        </button>
      </div>
      {s.error && <p className="error small">{s.error}</p>}
      {start.error && start.error.message !== s.error && <p className="error small">{start.error.message}</p>}
      {test.error && <p className="error small">{test.error.message}</p>}
      {test.data && <TestResult result={test.data} model={s.model} />}
      <details style={{ marginTop: "0.75rem" }} open={s.state === "failed"}>
        <summary className="small">Server log ({s.log.length} lines)</summary>
        <pre data-testid="embedded-log" style={{ maxHeight: 240, overflow: "auto" }}>
          {s.log.length === 0 ? "Not started yet." : s.log.join("\n")}
        </pre>
      </details>
    </div>
  );
}
