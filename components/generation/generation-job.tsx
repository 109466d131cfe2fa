"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { ProgressBar } from "~/components/progress-bar";
import { type JobLiveState, useJobEvents } from "~/components/jobs/use-job-events";
import { EndpointOptions } from "~/components/endpoints/endpoint-options";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { formatCount, formatEta } from "~/lib/format";

/** The endpoints a generation job can call: the embedded one first, then those set up on the Endpoints page. */
function EndpointSelect({ value, onChange, testId }: { value: string; onChange: (id: string) => void; testId: string }) {
  return (
    <label>
      Endpoint
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <EndpointOptions embeddedLabel="Embedded SmolLM2-135M-Instruct (llama.cpp, on this machine)" />
      </select>
    </label>
  );
}

export type TeacherSettings = { endpointId: string; maxTokens: number; temperature: number };

/**
 * The settings every generation job starts with: the endpoint, max tokens per request and the temperature;
 * `children` adds a kind's own fields. Test ids are `<testIdPrefix>-endpoint`, `-max-tokens`, `-temperature` and
 * `-start`.
 */
export function TeacherForm({
  testIdPrefix,
  maxTokensLabel,
  defaultTemperature,
  submitLabel,
  pending,
  ready = true,
  error,
  onSubmit,
  children,
}: {
  testIdPrefix: string;
  maxTokensLabel: string;
  defaultTemperature: string;
  submitLabel: string;
  pending: boolean;
  /** False while the kind's own fields say there is nothing to start yet. */
  ready?: boolean;
  error: string | null;
  onSubmit: (settings: TeacherSettings) => void;
  children?: ReactNode;
}) {
  const [endpointId, setEndpointId] = useState(EMBEDDED_ENDPOINT_ID);
  const [maxTokens, setMaxTokens] = useState("512");
  const [temperature, setTemperature] = useState(defaultTemperature);
  // An emptied field is refused here: Number("") is 0, which the server takes as a valid temperature (greedy).
  const [empty, setEmpty] = useState<string | null>(null);
  return (
    <form
      className="row"
      style={{ gap: "1rem", alignItems: "end", flexWrap: "wrap" }}
      onSubmit={(e) => {
        e.preventDefault();
        const refusal =
          maxTokens.trim() === "" ? `Enter the ${maxTokensLabel.toLowerCase()}: a whole number.` : temperature.trim() === "" ? "Enter a temperature from 0 to 2." : null;
        setEmpty(refusal);
        if (refusal === null) onSubmit({ endpointId, maxTokens: Number(maxTokens), temperature: Number(temperature) });
      }}
    >
      <EndpointSelect value={endpointId} onChange={setEndpointId} testId={`${testIdPrefix}-endpoint`} />
      <label>
        {maxTokensLabel}
        <input
          type="number"
          min={1}
          step={1}
          value={maxTokens}
          onChange={(e) => {
            setMaxTokens(e.target.value);
            setEmpty(null);
          }}
          data-testid={`${testIdPrefix}-max-tokens`}
        />
      </label>
      <label>
        Temperature
        {/* Any temperature in range: a step would make the browser refuse a finer one (0.75) and block the submit. */}
        <input
          type="number"
          min={0}
          max={2}
          step="any"
          value={temperature}
          onChange={(e) => {
            setTemperature(e.target.value);
            setEmpty(null);
          }}
          data-testid={`${testIdPrefix}-temperature`}
        />
      </label>
      {children}
      <button type="submit" className="primary" disabled={pending || !ready} data-testid={`${testIdPrefix}-start`}>
        {pending ? "Starting…" : submitLabel}
      </button>
      {(empty ?? error) && (
        <p className="error" role="alert">
          {empty ?? error}
        </p>
      )}
    </form>
  );
}

export type JobSummary = { id: string; name: string; status: string; error: string | null; notice: string | null };

/** The latest job of a kind on a dataset, looked at again while it runs, so a panel survives a reload. */
export function useLatestJob(datasetId: string, kind: "answer" | "expand" | "rewrite") {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    ...trpc.jobs.list.queryOptions({ datasetId, kind }),
    // The done event comes before the result is imported and the job marked succeeded: look again until it is.
    refetchInterval: (query) => (query.state.data?.[0]?.status === "queued" || query.state.data?.[0]?.status === "running" ? 2_000 : false),
  });
  const latest = jobs.data?.[0] ?? null;
  return {
    latest,
    active: latest !== null && (latest.status === "queued" || latest.status === "running"),
    refresh: () => queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey({ datasetId, kind }) }),
  };
}

/**
 * A generation job as its panel shows it: live progress (requests done of total, tokens/s, time left, cost) and
 * cancel while it runs, its error if it failed, a link to the dataset it made once it succeeded. `details` adds
 * what a kind reports besides (an expand job's counts); a cancelled or failed job offers Resume. `testIds` keeps
 * each panel's own names for the tests.
 */
export function GenerationJob({
  job,
  onEnded,
  testIds,
  linkLabel,
  details,
  afterLink,
}: {
  job: JobSummary;
  onEnded: () => void;
  testIds: { job: string; cancel: string; resume: string; dataset: string };
  linkLabel: string;
  details?: (live: JobLiveState) => ReactNode;
  afterLink?: (datasetId: string) => ReactNode;
}) {
  const trpc = useTRPC();
  const running = job.status === "queued" || job.status === "running";
  const live = useJobEvents(running ? job.id : null, (event) => {
    if (event.type === "done" || event.type === "error") onEnded();
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSettled: onEnded }));
  const made = useQuery({ ...trpc.generation.answeredDataset.queryOptions({ jobId: job.id }), enabled: job.status === "succeeded" });
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
    <div data-testid={testIds.job} data-status={job.status} style={{ marginTop: "0.75rem" }}>
      <p className="small">
        <b>{job.name}</b>: <span className={`badge ${job.status}`}>{job.status}</span>
      </p>
      {job.notice && (
        <p className="small" role="status" data-testid={`${testIds.job}-notice`}>
          {job.notice}
        </p>
      )}
      {running && (
        <>
          <ProgressBar fraction={p?.total ? p.current / p.total : null} label={label} />
          {details?.(live)}
          <button onClick={() => cancel.mutate({ id: job.id })} disabled={cancel.isPending} data-testid={testIds.cancel}>
            Cancel
          </button>
        </>
      )}
      {job.status === "failed" && job.error && <p className="error" role="alert">{job.error}</p>}
      {(job.status === "failed" || job.status === "cancelled") && <ResumeButton jobId={job.id} onResumed={onEnded} testId={testIds.resume} />}
      {made.data?.datasetId && (
        <p>
          <Link className="button primary" href={`/datasets/${encodeURIComponent(made.data.datasetId)}`} data-testid={testIds.dataset}>
            {linkLabel}
          </Link>{" "}
          {afterLink?.(made.data.datasetId)}
        </p>
      )}
    </div>
  );
}

/** Runs a cancelled or failed generation job again from its journal, through its endpoint connected anew. */
function ResumeButton({ jobId, onResumed, testId }: { jobId: string; onResumed: () => void; testId: string }) {
  const trpc = useTRPC();
  const resume = useMutation(trpc.generation.resume.mutationOptions({ onSettled: onResumed }));
  return (
    <>
      <p>
        <button onClick={() => resume.mutate({ jobId })} disabled={resume.isPending} data-testid={testId}>
          {resume.isPending ? "Resuming…" : "Resume"}
        </button>{" "}
        <span className="small muted">asks only what this job has not asked yet</span>
      </p>
      {resume.error && <p className="error" role="alert">{resume.error.message}</p>}
    </>
  );
}
