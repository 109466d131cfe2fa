"use client";

import Link from "next/link";
import type { FrozenArtifact, PipelineDetail, PipelineRound } from "~/lib/contracts/pipeline";
import { ORIGIN_LABELS, ROW_ORIGINS } from "~/lib/contracts/generation";
import { formatShare } from "~/lib/pipelines/round-charts";
import { stepJobStatus } from "~/lib/pipelines/pipeline-view";
import { DataOriginBar } from "./data-origin-bar";
import { MfdHistogram } from "./mfd-histogram";
import { RoundScores } from "./round-scores";
import { RoundTraining } from "./round-training";
import { TaskMixChart } from "./task-mix-chart";

/** How a round's rows are named by origin: the seed pool's rows are the "original" and "teacher answer" ones. */
const ORIGIN_NAMES: Record<(typeof ROW_ORIGINS)[number], string> = { ...ORIGIN_LABELS, original: "seed", teacher_answer: "seed, teacher's answer" };

/** Where a frozen artifact opens in the studio, when it has a page. */
function artifactHref(a: FrozenArtifact): string | null {
  if (!a.ref) return null;
  if (a.kind === "dataset_version") return `/datasets/${encodeURIComponent(a.ref)}`;
  if (a.kind === "student_checkpoint") return `/runs/${encodeURIComponent(a.ref)}`;
  return null;
}

/** One round opened: its set (mix, hard share, origins), its training curve, its MFD and its scores, and what it froze. */
export function RoundPanel({ detail, round }: { detail: PipelineDetail; round: PipelineRound }) {
  const train = round.steps.find((s) => s.kind === "train");
  const frozen = round.steps.flatMap((s) => s.frozen);
  return (
    <div className="panel" data-testid="round-panel" data-round={round.round}>
      <h2 style={{ marginTop: 0 }}>
        Round {round.round} <span className={`badge ${round.status}`}>{round.status}</span>
      </h2>
      {round.steps
        .filter((s) => s.status === "failed" || s.status === "skipped")
        .map((s) => (
          <p key={s.kind} className={s.status === "failed" ? "error small" : "muted small"} data-testid={`step-message-${s.kind}`}>
            {s.kind}: {s.message ?? s.status}
          </p>
        ))}
      <div className="grid2">
        <div>
          <h3>
            The round&apos;s set{" "}
            {round.datasetId && (
              <Link className="small" href={`/datasets/${encodeURIComponent(round.datasetId)}`} data-testid="round-dataset">
                open its dataset
              </Link>
            )}
          </h3>
          <p className="small" data-testid="round-hard-share">
            {round.round === 1
              ? "Round 1 has no MFD yet: its set is the seed pool resampled to the target ratios."
              : `Hard rows (MFD > δ in round ${round.round - 1}): ${formatShare(round.hardShare)} of the seed rows, aiming for α = ${formatShare(round.alpha)}.`}
          </p>
          {round.sizeByOrigin ? (
            <DataOriginBar
              budget={detail.settings.budget}
              parts={ROW_ORIGINS.filter((o) => round.sizeByOrigin![o] != null).map((o) => ({ key: o, label: ORIGIN_NAMES[o], rows: round.sizeByOrigin![o]! }))}
            />
          ) : (
            <p className="muted small">The set is not built yet.</p>
          )}
          <h3>Task mix against the target</h3>
          {round.mix ? <TaskMixChart mix={round.mix} /> : <p className="muted small">Not selected yet.</p>}
        </div>
        <div>
          <h3>MFD after training</h3>
          {round.mfd ? <MfdHistogram mfd={round.mfd} /> : <p className="muted small">The judge has not graded this round&apos;s student yet.</p>}
          <h3>Evaluation</h3>
          <RoundScores round={round.round} scores={round.eval} initial={detail.reference.initial} teacher={detail.reference.teacher} />
        </div>
      </div>
      <h3>
        Training{" "}
        {round.runId && (
          <Link className="small" href={`/runs/${encodeURIComponent(round.runId)}`} data-testid="round-run">
            open the run
          </Link>
        )}
      </h3>
      {round.runId && train ? <RoundTraining runId={round.runId} status={stepJobStatus(train.status)} /> : <p className="muted small">Not started yet.</p>}
      {frozen.length > 0 && (
        <details data-testid="round-frozen">
          <summary>What this round used, frozen ({frozen.length})</summary>
          <table className="small">
            <tbody>
              {frozen.map((a) => {
                const href = artifactHref(a);
                return (
                  <tr key={`${a.kind}-${a.sha256}`}>
                    <td>{href ? <Link href={href}>{a.label}</Link> : a.label}</td>
                    <td className="muted">{a.path ?? a.ref ?? ""}</td>
                    <td className="mono" title={a.sha256}>
                      {a.sha256.slice(0, 12)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
