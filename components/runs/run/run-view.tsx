"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { formatEta } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { RunEvaluationTab } from "~/components/evaluation/run-evaluation-tab";
import { StatusBadge } from "../status-badge";
import { BucketLossChart } from "./bucket-loss-chart";
import { GroupLossChart } from "./group-loss-chart";
import { EvalTable } from "./eval-table";
import { LogTail } from "./log-tail";
import { LossChart } from "./loss-chart";
import { MultiNode } from "./multi-node";
import { RunActions } from "./run-actions";
import { RunDisk } from "./run-disk";
import { RunProgress } from "./run-progress";
import { StageLossTable } from "./stage-loss-table";
import { StudentPanel } from "./student-panel";
import { TryIt } from "./try-it";
import { useRunStream } from "./use-run-stream";

/** The live page of one run. */
export function RunView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runKey = trpc.runs.get.queryKey({ id });
  const info = useQuery({
    ...trpc.runs.get.queryOptions({ id }),
    // status and queue position change without events (queued → running, cancel): poll while active
    refetchInterval: (q) => (q.state.data && ["queued", "running"].includes(q.state.data.status) ? 2000 : false),
  });
  const { run, version, error } = useRunStream(id, info.data?.status, (event) => {
    if (event.type === "done" || event.type === "error") void queryClient.invalidateQueries({ queryKey: runKey });
    // The Evaluation tab lists the checkpoints the run keeps: a new one, and the older ones it let go, show at once.
    if (event.type === "checkpoint") void queryClient.invalidateQueries({ queryKey: trpc.evaluation.forRun.queryKey({ runId: id }) });
  });
  const [tab, setTab] = useSearchParam("tab");
  if (info.error) return <p className="error">{info.error.message}</p>;
  if (!info.data) return <p className="muted">Loading run…</p>;
  const r = info.data;
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 style={{ margin: 0 }}>
          {r.name} <StatusBadge status={r.status} queuePosition={r.queuePosition} />
        </h1>
        <RunActions id={id} status={r.status} form={r.form} />
      </div>
      <p className="small muted">
        {r.datasetId ? <Link href={`/datasets/${r.datasetId}`}>{r.datasetName ?? r.datasetId}</Link> : "no dataset"} · teacher{" "}
        {r.teacher} → student <span data-testid="run-student">{r.student}</span> · loss {r.loss} · plan {r.planSource}
        {r.dae && <span data-testid="run-dae"> · DAE phase: domain rows from {r.dae.expert}, the others from {r.dae.reference}</span>}
        {r.durationMs != null && (
          <>
            {" · "}
            <span data-testid="run-duration">{formatEta(r.durationMs / 1000)}</span>
          </>
        )}
      </p>
      <nav className="row" role="tablist" aria-label="Run views" style={{ marginBottom: "1rem" }}>
        {[
          ["training", "Training"],
          ["evaluation", "Evaluation"],
        ].map(([value, label]) => (
          <button
            key={value}
            type="button"
            role="tab"
            aria-selected={(tab ?? "training") === value}
            className={(tab ?? "training") === value ? "primary" : undefined}
            data-testid={`tab-${value}`}
            onClick={() => setTab(value === "training" ? null : value)}
          >
            {label}
          </button>
        ))}
      </nav>
      {tab === "evaluation" ? (
        <RunEvaluationTab runId={id} studentReady={r.studentReady} heldout={r.spec.eval_data !== null} />
      ) : (
        <>
          <RunDisk id={id} status={r.status} />
          {r.status === "failed" && r.error && (
            <div className="panel">
              <h2 style={{ marginTop: 0 }}>Error</h2>
              <pre className="error" data-testid="run-error">
                {r.error}
              </pre>
            </div>
          )}
          <StudentPanel id={id} path={r.studentPath} ready={r.studentReady} status={r.status} />
          {r.studentReady && <TryIt id={id} />}
          <MultiNode id={id} runDir={r.runDir} spec={r.spec} />
          {error && <p className="error">{error.message}</p>}
          {run ? (
            <>
              <RunProgress run={run} />
              <LossChart run={run} version={version} />
              <BucketLossChart run={run} version={version} />
              <GroupLossChart run={run} version={version} />
              <StageLossTable run={run} version={version} />
              <div className="grid2">
                <EvalTable evals={run.evals} />
                <LogTail logs={run.logs} />
              </div>
            </>
          ) : (
            <p className="muted">Loading metrics…</p>
          )}
        </>
      )}
    </>
  );
}
