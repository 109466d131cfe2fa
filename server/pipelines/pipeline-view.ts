import type { Db } from "~/db/client";
import {
  type EvalScores,
  type MfdSummary,
  type PipelineDetail,
  type PipelineRound,
  type PipelineStep,
  type PipelineSummary,
  hardShareOfRound,
} from "~/lib/contracts/pipeline";
import { mfdHistogram } from "~/lib/planning";
import { originCounts } from "~/server/datasets/rows";
import { getEvaluation } from "~/server/evaluation/eval-queries";
import { jobDurationMs, jobRow } from "~/server/jobs/job-row";
import { usableRowIds } from "~/server/runs/dataset-split";
import { type PipelineRow, type StepRow, allPipelines, pipelineRow, stepsOf } from "./pipeline-store";

/** What the pipeline pages read (lib/contracts/pipeline.ts): built from the steps' rows and what they link to. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function stepView(db: Db, s: StepRow): PipelineStep {
  const job = s.jobId ? jobRow(db, s.jobId) : undefined;
  const ms = job ? jobDurationMs(job) : null;
  return {
    kind: s.kind,
    status: s.status,
    jobId: s.jobId,
    attempts: s.attempts,
    message: s.message,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    jobSeconds: ms === null ? null : ms / 1000,
    frozen: s.frozen,
  };
}

function summary(p: PipelineRow, steps: StepRow[]): PipelineSummary {
  const current = steps.find((s) => s.status === "running" || s.status === "failed") ?? null;
  const lastDone = [...steps].reverse().find((s) => s.status === "succeeded" || s.status === "skipped");
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    rounds: p.settings.rounds,
    currentRound: current?.round ?? lastDone?.round ?? 0,
    currentStep: current?.kind ?? null,
    seedDatasetId: p.settings.seedDatasetId,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

function evalScores(db: Db, step: StepRow | undefined): EvalScores | null {
  if (!step || step.status !== "succeeded" || !step.jobId) return null;
  const evaluation = getEvaluation(db, step.jobId);
  const metrics = Object.fromEntries(
    Object.entries(evaluation.suites).map(([suite, result]) => [suite, Object.fromEntries(Object.entries(result.metrics).map(([m, v]) => [m, v.mean]))]),
  );
  return { evaluationId: evaluation.id, jobId: step.jobId, metrics };
}

/** MFD over the seed pool: the score step sent every answered seed row; a row the judge gave no rating has no score. */
function mfdSummary(db: Db, scoreResultId: string, seedDatasetId: string, delta: number): MfdSummary {
  // Raw: one number per seed row of the score pass.
  const values = (db.$client.prepare("select difficulty from row_scores where result_id = ?").pluck().all(scoreResultId) as number[]).filter((v) => Number.isFinite(v));
  const sent = usableRowIds(db, seedDatasetId, { answered: true }).length;
  const hard = values.filter((v) => v > delta).length;
  return {
    values,
    unscored: Math.max(0, sent - values.length),
    delta,
    bins: mfdHistogram(values),
    hardShare: values.length ? hard / values.length : null,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
  };
}

function roundView(db: Db, p: PipelineRow, round: number, steps: StepRow[]): PipelineRound {
  const of = (kind: StepRow["kind"]) => steps.find((s) => s.kind === kind);
  const select = of("select");
  const expand = of("expand");
  const selection = select?.status === "succeeded" ? select.output.selection : undefined;
  const expanded = expand?.status === "succeeded" ? (expand.output.expanded ?? {}) : expand?.status === "skipped" ? {} : null;
  const setSteps = (["rewrite", "answer", "expand", "select"] as const).map(of).filter((s): s is StepRow => s?.status === "succeeded" && !!s.output.datasetId);
  const datasetId = setSteps[0]?.output.datasetId ?? null;
  const statuses = steps.map((s) => s.status);
  const status = statuses.includes("failed")
    ? "failed"
    : statuses.includes("cancelled")
      ? "cancelled"
      : statuses.includes("running")
        ? "running"
        : statuses.every((s) => s === "succeeded" || s === "skipped")
          ? "succeeded"
          : statuses.every((s) => s === "pending")
            ? "pending"
            : "running";
  const score = of("score");
  return {
    round,
    status,
    alpha: hardShareOfRound(p.settings, round),
    steps: steps.map((s) => stepView(db, s)),
    mix: selection ? selection.types.map((t) => ({ ...t, expanded: expanded === null ? null : (expanded[t.type] ?? 0) })) : null,
    hardShare: selection?.hardShare ?? null,
    sizeByOrigin: datasetId ? originCounts(db, datasetId).counts : null,
    datasetId,
    runId: of("train")?.jobId ?? null,
    mfd: score?.status === "succeeded" && score.output.scoreResultId ? mfdSummary(db, score.output.scoreResultId, p.settings.seedDatasetId, p.settings.delta) : null,
    eval: evalScores(db, of("eval")),
  };
}

export function listPipelines(db: Db): PipelineSummary[] {
  return allPipelines(db).map((p) => summary(p, stepsOf(db, p.id)));
}

export function pipelineSummary(db: Db, id: string): PipelineSummary {
  return summary(pipelineRow(db, id), stepsOf(db, id));
}

export function getPipeline(db: Db, id: string): PipelineDetail {
  const p = pipelineRow(db, id);
  const steps = stepsOf(db, id);
  const baselines = steps.filter((s) => s.round === 0);
  return {
    ...summary(p, steps),
    settings: p.settings,
    settingsHash: p.settingsHash,
    message: p.message,
    baselines: baselines.map((s) => stepView(db, s)),
    reference: { initial: evalScores(db, baselines.find((s) => s.kind === "eval_initial")), teacher: evalScores(db, baselines.find((s) => s.kind === "eval_teacher")) },
    rounds_detail: Array.from({ length: p.settings.rounds }, (_, r) => roundView(db, p, r + 1, steps.filter((s) => s.round === r + 1))),
  };
}
