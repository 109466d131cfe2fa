"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ProgressBar } from "~/components/progress-bar";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { formatEta } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import type { RouterOutputs } from "~/components/trpc/types";

type Results = RouterOutputs["curriculum"]["results"];
type Job = Results["jobs"][number];

/** Buttons for the tag, score and token-count jobs, and each job's live progress until it is imported. */
export function AnalysisJobs({ datasetId, results }: { datasetId: string; results: Results }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [taggerPath, setTaggerPath] = useState("");
  const [scorer, setScorer] = useState<"pocl" | "mfd_ce">("pocl");
  const [layers, setLayers] = useState(2);
  const [maxNewTokens, setMaxNewTokens] = useState(16);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.curriculum.results.queryKey({ datasetId }) });
  const start = useMutation(trpc.curriculum.startJob.mutationOptions({ onSuccess: refresh }));
  const active = results.jobs.filter((j) => j.status === "queued" || j.status === "running");
  const failed = results.jobs.filter((j) => j.status === "failed").slice(0, 3);

  return (
    <div className="panel" data-testid="analysis-jobs">
      <h2 style={{ marginTop: 0 }}>Analyse</h2>
      <div className="row">
        <input aria-label="Tagger folder" placeholder="tagger folder (empty: embedded MiniLM)" value={taggerPath} onChange={(e) => setTaggerPath(e.target.value)} data-testid="tagger-path" />
        <button data-testid="start-tag" disabled={start.isPending} onClick={() => start.mutate({ kind: "tag", datasetId, taggerPath: taggerPath || null })}>
          Tag task types
        </button>
      </div>
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <select aria-label="Difficulty scorer" value={scorer} onChange={(e) => setScorer(e.target.value as "pocl" | "mfd_ce")} data-testid="scorer">
          <option value="pocl">POCL measurer (ROUGE-L + CE)</option>
          <option value="mfd_ce">MFD-CE estimate (student − teacher CE)</option>
        </select>
        <label className="small">
          student layers <input type="number" min={1} max={30} value={layers} onChange={(e) => setLayers(Number(e.target.value))} style={{ width: 60 }} data-testid="score-layers" />
        </label>
        <label className="small">
          max new tokens <input type="number" min={1} value={maxNewTokens} onChange={(e) => setMaxNewTokens(Number(e.target.value))} style={{ width: 60 }} data-testid="score-max-new" />
        </label>
        <button
          data-testid="start-score"
          disabled={start.isPending}
          onClick={() => start.mutate({ kind: "score", datasetId, scorer, studentLayers: layers, maxNewTokens })}
        >
          Score difficulty
        </button>
        <button data-testid="start-lengths" disabled={start.isPending} onClick={() => start.mutate({ kind: "lengths", datasetId })}>
          Count tokens
        </button>
      </div>
      {start.error && <p className="error" role="alert">{start.error.message}</p>}
      {active.map((job) => (
        <JobProgress key={job.id} job={job} />
      ))}
      {failed.map((job) => (
        <p key={job.id} className="error small" data-testid="analysis-failed">
          {job.name} failed: {job.error}
        </p>
      ))}
    </div>
  );
}

/** Live progress with ETA; the results list polls while a job runs and shows the pass once imported. */
function JobProgress({ job }: { job: Job }) {
  const live = useJobEvents(job.id);
  const p = live.progress;
  const fraction = p?.total ? p.current / p.total : job.progress;
  const label = p
    ? `${p.current}/${p.total ?? "?"} ${p.unit}${p.eta_s != null ? ` · ETA ${formatEta(p.eta_s)}` : ""}`
    : job.status === "queued"
      ? "queued"
      : "starting…";
  return (
    <div style={{ marginTop: "0.5rem" }} data-testid={`job-${job.kind}`}>
      <div className="small">{job.name}</div>
      <ProgressBar fraction={fraction} label={label} />
    </div>
  );
}
