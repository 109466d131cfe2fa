"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useMemo } from "react";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { describeSettings } from "~/lib/pipelines/describe";
import { openRound, runningSteps, STEP_LABELS } from "~/lib/pipelines/pipeline-view";
import { scoreSeries } from "~/lib/pipelines/score-series";
import { PipelineActions } from "./pipeline-actions";
import { PipelineTimeline } from "./pipeline-timeline";
import { RoundPanel } from "./round-panel";
import { ScoresAcrossRounds } from "./scores-across-rounds";
import { RunningStep } from "./step-chip";

/**
 * One pipeline, live: its rounds as a timeline, the open round (?round=N) in full, and each evaluation score
 * across rounds. The pipeline comes over SSE (pipelines.watch: again after each of its changes), and each running
 * step's job's progress over that job's own SSE.
 */
export function PipelineView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.pipelines.get.queryKey({ id });
  const info = useQuery(trpc.pipelines.get.queryOptions({ id }));
  useSubscription(trpc.pipelines.watch.subscriptionOptions({ id }, { onData: (detail) => queryClient.setQueryData(key, detail) }));
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const names = useMemo(() => new Map((endpoints.data ?? []).map((e) => [e.id, e.name])), [endpoints.data]);
  const [roundParam, setRound] = useSearchParam("round");
  const refresh = () => void queryClient.invalidateQueries({ queryKey: key });
  const d = info.data;
  const series = useMemo(
    () => (d ? scoreSeries(d.rounds_detail.map((r) => ({ round: r.round, scores: r.eval?.metrics ?? null })), { initial: d.reference.initial?.metrics ?? null, teacher: d.reference.teacher?.metrics ?? null }) : []),
    [d],
  );
  if (info.error) return <p className="error">{info.error.message}</p>;
  if (!d) return <p className="muted">Loading pipeline…</p>;
  const open = openRound(d, roundParam);
  const round = d.rounds_detail.find((r) => r.round === open);
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 style={{ margin: 0 }}>
          {d.name || `Pipeline ${d.id}`}{" "}
          <span className={`badge ${d.status}`} data-testid="pipeline-status">
            {d.status}
          </span>
        </h1>
        <PipelineActions id={id} status={d.status} failedStep={d.status === "failed" && d.currentStep ? STEP_LABELS[d.currentStep] : null} onChanged={refresh} />
      </div>
      <p className="small muted" data-testid="pipeline-settings">
        seed pool <Link href={`/datasets/${encodeURIComponent(d.seedDatasetId)}`}>{d.seedDatasetId}</Link> · {describeSettings(d.settings, names)} · settings{" "}
        <span className="mono" title={d.settingsHash}>
          {d.settingsHash.slice(0, 12)}
        </span>
      </p>
      {d.message && (
        <p className={d.status === "failed" ? "error" : "muted"} data-testid="pipeline-message">
          {d.message}
        </p>
      )}
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>
          Rounds{" "}
          <span className="small muted" data-testid="pipeline-progress">
            {d.currentRound === 0 ? "baselines" : `round ${d.currentRound} of ${d.rounds}`}
            {d.currentStep && ` · ${STEP_LABELS[d.currentStep]}`}
          </span>
        </h2>
        {runningSteps(d).map((s) => (
          <RunningStep key={s.jobId} step={s} onEnded={refresh} />
        ))}
        <PipelineTimeline detail={d} open={open} onOpen={(r) => setRound(String(r))} />
      </div>
      {round && <RoundPanel key={round.round} detail={d} round={round} />}
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Scores across rounds</h2>
        <ScoresAcrossRounds series={series} rounds={d.rounds} />
      </div>
    </>
  );
}
