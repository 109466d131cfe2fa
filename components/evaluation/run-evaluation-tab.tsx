"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { AnswersBrowser } from "./answers-browser";
import { CategoryChart } from "./category-chart";
import { EvaluateForm, type TargetOption } from "./evaluate-form";
import { EvaluationJobs } from "./evaluation-jobs";
import { SuiteTables, type Evaluation, type ScoredRow } from "./suite-tables";

const ROLE_ORDER = { student: 0, checkpoint: 1, initial: 2, teacher: 3, path: 4, endpoint: 5 } as const;

/** The newest succeeded evaluation of each model: the student first, then its checkpoints, the initial student and the teacher. */
export function newestPerModel(evaluations: Evaluation[]): Evaluation[] {
  const seen = new Map<string, Evaluation>();
  for (const e of evaluations) if (e.status === "succeeded" && !seen.has(e.modelKey)) seen.set(e.modelKey, e);
  return [...seen.values()].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
}

/**
 * A run's Evaluation tab: evaluate its student, one of its checkpoints, its teacher or initial student; each suite's scores beside the teacher
 * and initial student (whichever run evaluated them), the judged suites per category, the eval jobs live, and the
 * answers side by side.
 */
export function RunEvaluationTab({ runId, studentReady, heldout }: { runId: string; studentReady: boolean; heldout: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.evaluation.forRun.queryKey({ runId });
  const data = useQuery({
    ...trpc.evaluation.forRun.queryOptions({ runId }),
    // The done event comes before the results are imported and the job marked succeeded: look again until it is.
    refetchInterval: (q) => (q.state.data?.own.some((e) => e.status === "queued" || e.status === "running") ? 2_000 : false),
  });
  const [selected, setSelected] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  if (data.error) return <p className="error">{data.error.message}</p>;
  if (!data.data) return <p className="muted">Loading evaluations…</p>;
  const { own, teacher, initial, checkpoints } = data.data;
  const targets: TargetOption[] = [
    ...(studentReady ? [{ key: "student", label: "the trained student", target: { kind: "run_student" as const, runId }, heldout }] : []),
    ...checkpoints.map((step) => ({ key: `step-${step}`, label: `the checkpoint at step ${step}`, target: { kind: "run_checkpoint" as const, runId, step }, heldout })),
    { key: "teacher", label: "the teacher", target: { kind: "run_teacher", runId }, heldout },
    { key: "initial", label: "the initial student (before training)", target: { kind: "run_initial", runId }, heldout },
  ];
  const newest = newestPerModel(own);
  const baselines = [teacher, initial].filter((b): b is Evaluation => b !== null && !newest.some((e) => e.modelKey === b.modelKey));
  const rows: ScoredRow[] = [...newest, ...baselines].map((e) => ({ key: e.id, label: e.modelLabel, evaluation: e, baseline: e.role !== "student" && e.role !== "checkpoint" }));
  const shown = own.find((e) => e.id === selected && e.status === "succeeded") ?? newest[0] ?? null;
  const others = rows.filter((r) => r.evaluation.id !== shown?.id).map((r) => ({ id: r.evaluation.id, label: r.label }));
  return (
    <div data-testid="evaluation-tab">
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Evaluate</h2>
        <EvaluateForm targets={targets} onStarted={() => void refresh()} />
      </div>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Scores</h2>
        <SuiteTables rows={rows} />
        <CategoryChart rows={rows} />
      </div>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Evaluation jobs</h2>
        <EvaluationJobs evaluations={own} selected={shown?.id ?? null} onSelect={setSelected} onEnded={() => void refresh()} />
      </div>
      {shown && (
        <div className="panel">
          <h2 style={{ marginTop: 0 }}>Answers of {shown.modelLabel}</h2>
          <AnswersBrowser key={shown.id} evaluation={shown} others={others} label={shown.modelLabel} />
        </div>
      )}
    </div>
  );
}
