"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { ProgressBar } from "~/components/progress-bar";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { formatCount, formatEta } from "~/lib/format";

type Kind = "answer" | "rewrite";

/** What each panel says; test ids start with the kind ("answer-start", "rewrite-start"). */
const WORDING: Record<Kind, { title: string; what: ReactNode; start: string; open: string; openTestId: string }> = {
  answer: {
    title: "Answer with a teacher",
    what: "A teacher model behind an endpoint answers every prompt of this dataset; the answers become a new dataset linked to this one.",
    start: "Answer with a teacher",
    open: "Open the answered dataset",
    openTestId: "answered-dataset",
  },
  rewrite: {
    title: "Rewrite with a teacher",
    what: (
      <>
        A teacher rewrites every answer of this dataset in the style of its row&apos;s task type (TAPIR: step-by-step reasoning for Math and
        Reasoning, commented code for Code Generation and Code Debug), task types coming from the latest tag result; the rewrites become a new
        dataset linked to this one, each row keeping the answer it rewrote. The styles are on the <Link href="/templates">Templates</Link> page.
      </>
    ),
    start: "Rewrite with a teacher",
    open: "Open the rewritten dataset",
    openTestId: "rewritten-dataset",
  },
};

/**
 * "Answer with a teacher" or "Rewrite with a teacher": an endpoint answers every prompt, or rewrites every answer,
 * of the dataset into a new dataset. The latest such job of the dataset is shown (live progress and cancel while
 * it runs, a link to its dataset once done), so the panel survives a reload.
 */
export function GenerationPanel({ kind, datasetId }: { kind: Kind; datasetId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    ...trpc.jobs.list.queryOptions({ datasetId, kind }),
    // The done event comes before the rows are imported and the job marked succeeded: look again until it is.
    refetchInterval: (query) => (query.state.data?.[0]?.status === "queued" || query.state.data?.[0]?.status === "running" ? 2_000 : false),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey({ datasetId, kind }) });
  const latest = jobs.data?.[0] ?? null;
  const active = latest !== null && (latest.status === "queued" || latest.status === "running");
  const words = WORDING[kind];

  return (
    <section className="panel" aria-label={words.title} style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>{words.title}</h2>
      <p className="small muted">
        {words.what} Endpoints are set up on the <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {!active && <GenerationForm kind={kind} datasetId={datasetId} onStarted={refresh} />}
      {latest && <GenerationJob key={latest.id} kind={kind} job={latest} onEnded={refresh} />}
    </section>
  );
}

function GenerationForm({ kind, datasetId, onStarted }: { kind: Kind; datasetId: string; onStarted: () => void }) {
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const [endpointId, setEndpointId] = useState(EMBEDDED_ENDPOINT_ID);
  const [maxTokens, setMaxTokens] = useState("512");
  const [temperature, setTemperature] = useState("0.7");
  const answer = useMutation(trpc.generation.answer.mutationOptions({ onSuccess: onStarted }));
  const rewrite = useMutation(trpc.generation.rewrite.mutationOptions({ onSuccess: onStarted }));
  const start = kind === "answer" ? answer : rewrite;
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
        <select value={endpointId} onChange={(e) => setEndpointId(e.target.value)} data-testid={`${kind}-endpoint`}>
          <option value={EMBEDDED_ENDPOINT_ID}>Embedded SmolLM2-135M-Instruct (llama.cpp, on this machine)</option>
          {endpoints.data?.map((ep) => (
            <option key={ep.id} value={ep.id}>
              {ep.name} ({ep.model})
            </option>
          ))}
        </select>
      </label>
      <label>
        Max tokens per answer
        <input type="number" min={1} step={1} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} data-testid={`${kind}-max-tokens`} />
      </label>
      <label>
        Temperature
        <input type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} data-testid={`${kind}-temperature`} />
      </label>
      <button type="submit" className="primary" disabled={start.isPending} data-testid={`${kind}-start`}>
        {start.isPending ? "Starting…" : WORDING[kind].start}
      </button>
      {start.error && <p className="error" role="alert">{start.error.message}</p>}
    </form>
  );
}

type JobSummary = { id: string; name: string; status: string; error: string | null };

function GenerationJob({ kind, job, onEnded }: { kind: Kind; job: JobSummary; onEnded: () => void }) {
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
    <div data-testid={`${kind}-job`} data-status={job.status} style={{ marginTop: "0.75rem" }}>
      <p className="small">
        <b>{job.name}</b>: <span className={`badge ${job.status}`}>{job.status}</span>
      </p>
      {(job.status === "queued" || job.status === "running") && (
        <>
          <ProgressBar fraction={p?.total ? p.current / p.total : null} label={label} />
          <button onClick={() => cancel.mutate({ id: job.id })} disabled={cancel.isPending} data-testid={`${kind}-cancel`}>
            Cancel
          </button>
        </>
      )}
      {job.status === "failed" && job.error && <p className="error" role="alert">{job.error}</p>}
      {answered.data?.datasetId && (
        <p>
          <Link className="button primary" href={`/datasets/${encodeURIComponent(answered.data.datasetId)}`} data-testid={WORDING[kind].openTestId}>
            {WORDING[kind].open}
          </Link>
        </p>
      )}
    </div>
  );
}
