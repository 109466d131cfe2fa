"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { ConfirmButton } from "~/components/confirm-button";
import type { LaunchForm } from "~/lib/runs/form";
import { useTRPC } from "~/components/trpc/react";

/** Cancel (asks first), resume from the last checkpoint, and clone into a prefilled launch form. */
export function RunActions(props: { id: string; status: string; form: LaunchForm | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id: props.id }) });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSettled: refresh }));
  const resume = useMutation(trpc.jobs.resume.mutationOptions({ onSettled: refresh }));
  const active = props.status === "queued" || props.status === "running";
  const error = cancel.error ?? resume.error;
  return (
    <div className="row">
      <ConfirmButton
        label="Cancel run"
        question="Stop this run? The trainer is signalled, saves a checkpoint if it can, and the run is marked cancelled."
        confirmLabel="Cancel run"
        disabled={!active || cancel.isPending}
        onConfirm={() => cancel.mutate({ id: props.id })}
      />
      <button data-testid="resume" disabled={active || props.status === "succeeded" || resume.isPending} onClick={() => resume.mutate({ id: props.id })}>
        Resume from last checkpoint
      </button>
      {props.form ? (
        <Link className="button" data-testid="clone" href={`/runs/new?f=${encodeURIComponent(JSON.stringify(props.form))}`}>
          Clone into new run
        </Link>
      ) : (
        <span className="small muted">launched outside the studio form: nothing to clone</span>
      )}
      {error && <span className="error small">{error.message}</span>}
    </div>
  );
}
