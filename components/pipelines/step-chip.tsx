"use client";

import Link from "next/link";
import { JobProgress } from "~/components/jobs/job-progress";
import type { PipelineStep } from "~/lib/contracts/pipeline";
import { STEP_HELP, STEP_LABELS } from "~/lib/pipelines/pipeline-view";

/** A step's job page: a train job's run page, any other job's page. */
export const stepHref = (step: PipelineStep): string | null =>
  step.jobId == null ? null : step.kind === "train" ? `/runs/${encodeURIComponent(step.jobId)}` : `/jobs/${encodeURIComponent(step.jobId)}`;

/** One step of the timeline: its name and status, a link to its job, and a retry count when it was retried. */
export function StepChip({ step }: { step: PipelineStep }) {
  const href = stepHref(step);
  const body = (
    <>
      {STEP_LABELS[step.kind]} <span className={`badge ${step.status}`}>{step.status}</span>
      {step.attempts > 1 && <span className="small muted"> ×{step.attempts}</span>}
    </>
  );
  const title = [STEP_HELP[step.kind], step.message].filter(Boolean).join(" — ");
  return (
    <span className="stepChip" data-testid={`step-${step.kind}`} data-status={step.status} title={title}>
      {href ? (
        <Link href={href} data-testid={`step-link-${step.kind}`}>
          {body}
        </Link>
      ) : (
        body
      )}
    </span>
  );
}

/** A running step's job followed over SSE: its progress as it comes, and `onEnded` when the job finishes. */
export function RunningStep({ step, onEnded }: { step: PipelineStep & { jobId: string }; onEnded: () => void }) {
  return (
    <div data-testid="running-step" data-kind={step.kind}>
      <JobProgress jobId={step.jobId} onEnded={onEnded} prefix={STEP_LABELS[step.kind]} />
    </div>
  );
}
