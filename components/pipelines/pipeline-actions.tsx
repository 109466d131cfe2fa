"use client";

import { useMutation } from "@tanstack/react-query";
import { ConfirmButton } from "~/components/confirm-button";
import { useTRPC } from "~/components/trpc/react";
import type { PipelineStatus } from "~/lib/contracts/pipeline";

/**
 * Pause (the running step finishes, no other starts), resume, retry a failed step (finished steps are kept), and
 * cancel for good; pause and cancel ask first.
 */
export function PipelineActions({ id, status, failedStep, onChanged }: { id: string; status: PipelineStatus; failedStep: string | null; onChanged: () => void }) {
  const trpc = useTRPC();
  const options = { onSettled: onChanged };
  const pause = useMutation(trpc.pipelines.pause.mutationOptions(options));
  const resume = useMutation(trpc.pipelines.resume.mutationOptions(options));
  const cancel = useMutation(trpc.pipelines.cancel.mutationOptions(options));
  const pending = pause.isPending || resume.isPending || cancel.isPending;
  const error = pause.error ?? resume.error ?? cancel.error;
  return (
    <div className="row" data-testid="pipeline-actions">
      {status === "running" && (
        <ConfirmButton label="Pause" question="Pause this pipeline? The step running now finishes; no next step starts until you resume." confirmLabel="Pause" disabled={pending} onConfirm={() => pause.mutate({ id })} />
      )}
      {status === "paused" && (
        <button type="button" className="primary" data-testid="pipeline-resume" disabled={pending} onClick={() => resume.mutate({ id })}>
          Resume
        </button>
      )}
      {status === "failed" && (
        <button type="button" className="primary" data-testid="pipeline-retry" disabled={pending} onClick={() => resume.mutate({ id })}>
          Retry {failedStep ? `the failed step (${failedStep})` : "the failed step"}
        </button>
      )}
      {(status === "running" || status === "paused" || status === "failed") && (
        <ConfirmButton
          label="Cancel pipeline"
          question="Cancel this pipeline? Its running job is stopped and no further step runs; finished rounds and their data stay."
          confirmLabel="Cancel pipeline"
          disabled={pending}
          onConfirm={() => cancel.mutate({ id })}
        />
      )}
      {error && <span className="error small">{error.message}</span>}
    </div>
  );
}
