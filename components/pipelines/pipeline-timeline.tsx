"use client";

import type { PipelineDetail } from "~/lib/contracts/pipeline";
import { formatShare } from "~/lib/pipelines/round-charts";
import { StepChip } from "./step-chip";

/**
 * The pipeline as a timeline: the baseline evaluations, then each round with its steps in the order they run.
 * Clicking a round opens it below (the URL keeps which); a step opens its job's page.
 */
export function PipelineTimeline({ detail, open, onOpen }: { detail: PipelineDetail; open: number; onOpen: (round: number) => void }) {
  return (
    <ol className="timeline" data-testid="pipeline-timeline">
      {detail.baselines.length > 0 && (
        <li className="timelineRound" data-testid="timeline-baselines">
          <span className="timelineHead">baselines</span>
          <span className="row" style={{ gap: "0.5rem" }}>
            {detail.baselines.map((s) => (
              <StepChip key={s.kind} step={s} />
            ))}
          </span>
        </li>
      )}
      {detail.rounds_detail.map((r) => (
        <li key={r.round} className={`timelineRound${r.round === open ? " open" : ""}`} data-testid={`timeline-round-${r.round}`} data-status={r.status}>
          <button type="button" className={`timelineHead${r.round === open ? " primary" : ""}`} aria-pressed={r.round === open} data-testid={`open-round-${r.round}`} onClick={() => onOpen(r.round)}>
            round {r.round} <span className={`badge ${r.status}`}>{r.status}</span>
            {r.alpha != null && <span className="small"> α {formatShare(r.alpha)}</span>}
          </button>
          <span className="row" style={{ gap: "0.5rem" }}>
            {r.steps.map((s, i) => (
              <span key={s.kind} className="row" style={{ gap: "0.5rem" }}>
                {i > 0 && <span className="muted" aria-hidden>→</span>}
                <StepChip step={s} />
              </span>
            ))}
          </span>
        </li>
      ))}
    </ol>
  );
}
