"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ProgressBar } from "~/components/progress-bar";
import { EndpointOptions } from "~/components/endpoints/endpoint-options";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { formatCount, formatEta } from "~/lib/format";

/**
 * "Answer with a teacher": an endpoint answers every prompt of the dataset into a new dataset. The latest answer
 * job of the dataset is shown (live progress and cancel while it runs, a link to its dataset once done), so the
 * panel survives a reload.
 */
export function AnswerPanel({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    ...trpc.jobs.list.queryOptions({ datasetId, kind: "answer" }),
    // The done event comes before the answers are imported and the job marked succeeded: look again until it is.
    refetchInterval: (query) => (query.state.data?.[0]?.status === "queued" || query.state.data?.[0]?.status === "running" ? 2_000 : false),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey({ datasetId, kind: "answer" }) });
  const latest = jobs.data?.[0] ?? null;
  const active = latest !== null && (latest.status === "queued" || latest.status === "running");

  return (
    <section className="panel" aria-label="Answer with a teacher" style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>Answer with a teacher</h2>
      <p className="small muted">
        A teacher model behind an endpoint answers every prompt of this dataset; the answers become a new dataset linked to this one. Endpoints
        are set up on the <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {!active && <AnswerForm datasetId={datasetId} onStarted={refresh} />}
      {latest && <AnswerJob key={latest.id} job={latest} onEnded={refresh} />}
    </section>
  );
}

function AnswerForm({ datasetId, onStarted }: { datasetId: string; onStarted: () => void }) {
  const trpc = useTRPC();
  const [endpointId, setEndpointId] = useState(EMBEDDED_ENDPOINT_ID);
  const [maxTokens, setMaxTokens] = useState("512");
  const [temperature, setTemperature] = useState("0.7");
  const start = useMutation(trpc.generation.answer.mutationOptions({ onSuccess: onStarted }));
  return (
    <form
      className="row"
      style={{ gap: "1rem", alignItems: "end", flexWrap: "wrap" }}
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate({ datasetId, endpointId, maxTokens: Number(maxTokens), temperature: Number(temperature) });
      }}
    >
      <label>
        Endpoint
        <select value={endpointId} onChange={(e) => setEndpointId(e.target.value)} data-testid="answer-endpoint">
          <EndpointOptions embeddedLabel="Embedded SmolLM2-135M-Instruct (llama.cpp, on this machine)" />
        </select>
      </label>
      <label>
        Max tokens per answer
        <input type="number" min={1} step={1} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} data-testid="answer-max-tokens" />
      </label>
      <label>
        Temperature
        <input type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} data-testid="answer-temperature" />
      </label>
      <button type="submit" className="primary" disabled={start.isPending} data-testid="answer-start">
        {start.isPending ? "Starting…" : "Answer with a teacher"}
      </button>
      {start.error && <p className="error" role="alert">{start.error.message}</p>}
    </form>
  );
}

type JobSummary = { id: string; name: string; status: string; error: string | null };

function AnswerJob({ job, onEnded }: { job: JobSummary; onEnded: () => void }) {
  const trpc = useTRPC();
  const live = useJobEvents(job.status === "queued" || job.status === "running" ? job.id : null, (event) => {
    if (event.type === "done" || event.type === "error") onEnded();
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSettled: onEnded }));
  const answered = useQuery({ ...trpc.generation.answeredDataset.queryOptions({ jobId: job.id }), enabled: job.status === "succeeded" });
  const p = live.progress;
  const label = p
    ? [
        `${formatCount(p.current)} of ${p.total === null ? "?" : formatCount(p.total)} requests`,
        p.tokens_per_s != null ? `${p.tokens_per_s.toFixed(1)} tokens/s` : null,
        p.eta_s != null ? `${formatEta(p.eta_s)} left` : null,
        p.cost != null ? `cost $${p.cost.toFixed(4)}` : null,
        p.message ?? null,
      ]
        .filter(Boolean)
        .join(" · ")
    : job.status === "queued"
      ? "Queued…"
      : "Starting the teacher…";
  return (
    <div data-testid="answer-job" data-status={job.status} style={{ marginTop: "0.75rem" }}>
      <p className="small">
        <b>{job.name}</b>: <span className={`badge ${job.status}`}>{job.status}</span>
      </p>
      {(job.status === "queued" || job.status === "running") && (
        <>
          <ProgressBar fraction={p?.total ? p.current / p.total : null} label={label} />
          <button onClick={() => cancel.mutate({ id: job.id })} disabled={cancel.isPending} data-testid="answer-cancel">
            Cancel
          </button>
        </>
      )}
      {job.status === "failed" && job.error && <p className="error" role="alert">{job.error}</p>}
      {answered.data?.datasetId && (
        <p>
          <Link className="button primary" href={`/datasets/${encodeURIComponent(answered.data.datasetId)}`} data-testid="answered-dataset">
            Open the answered dataset
          </Link>
        </p>
      )}
    </div>
  );
}
