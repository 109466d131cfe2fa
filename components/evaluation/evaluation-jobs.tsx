"use client";

import { useMutation } from "@tanstack/react-query";
import { ProgressBar } from "~/components/progress-bar";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { useTRPC } from "~/components/trpc/react";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import type { EvalSuiteName } from "~/lib/contracts/job";
import { formatCount, formatEta } from "~/lib/format";
import type { Evaluation } from "./suite-tables";

/** The evaluations of a model or run, newest first: live progress and cancel while one runs, its error when it failed. */
export function EvaluationJobs({ evaluations, selected, onSelect, onEnded }: { evaluations: Evaluation[]; selected: string | null; onSelect: (id: string) => void; onEnded: () => void }) {
  if (evaluations.length === 0) return <p className="muted small">No evaluation yet.</p>;
  return (
    <ul style={{ listStyle: "none", padding: 0, margin: 0, display: "grid", gap: 6 }}>
      {evaluations.map((e) => (
        <EvaluationJob key={e.id} evaluation={e} selected={e.id === selected} onSelect={() => onSelect(e.id)} onEnded={onEnded} />
      ))}
    </ul>
  );
}

function EvaluationJob({ evaluation: e, selected, onSelect, onEnded }: { evaluation: Evaluation; selected: boolean; onSelect: () => void; onEnded: () => void }) {
  const trpc = useTRPC();
  const active = e.status === "queued" || e.status === "running";
  const live = useJobEvents(active ? e.id : null, (event) => {
    if (event.type === "done" || event.type === "error") onEnded();
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSettled: onEnded }));
  const p = live.progress;
  const suite = p?.suite ? (SUITE_INFO[p.suite as EvalSuiteName]?.label ?? p.suite) : null;
  const label = p
    ? [suite, `${formatCount(p.current)} of ${p.total === null ? "?" : formatCount(p.total)} ${p.unit}`, p.eta_s != null ? `${formatEta(p.eta_s)} left` : null, p.message ?? null].filter(Boolean).join(" · ")
    : e.status === "queued"
      ? "Queued…"
      : "Loading the model…";
  return (
    <li data-testid="evaluation-job" data-status={e.status} data-role={e.role} className="panel" style={{ marginBottom: 0, padding: "0.5rem 0.75rem", outline: selected ? "2px solid var(--accent)" : undefined }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <span>
          <b>{e.modelLabel}</b> <span className={`badge ${e.status}`}>{e.status}</span>
          <span className="small muted"> · {e.jobName}</span>
        </span>
        {e.status === "succeeded" && !selected && (
          <button type="button" onClick={onSelect} data-testid="evaluation-open">
            Show answers
          </button>
        )}
      </div>
      {active && (
        <div className="row">
          <div style={{ flex: 1 }}>
            <ProgressBar fraction={p?.total ? p.current / p.total : null} label={label} />
          </div>
          <button type="button" onClick={() => cancel.mutate({ id: e.id })} disabled={cancel.isPending}>
            Cancel
          </button>
        </div>
      )}
      {e.notice && (
        <p className="small" role="status" data-testid="evaluation-notice">
          {e.notice}
        </p>
      )}
      {e.status === "failed" && e.error && (
        <pre className="error small" role="alert" style={{ whiteSpace: "pre-wrap" }}>
          {e.error}
        </pre>
      )}
    </li>
  );
}
