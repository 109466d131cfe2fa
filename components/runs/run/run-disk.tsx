"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ConfirmButton } from "~/components/confirm-button";
import { formatBytes } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";

/** The run's disk use, and a confirmed action to delete its checkpoints once it has stopped. */
export function RunDisk({ id, status }: { id: string; status: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const active = status === "queued" || status === "running";
  // A running run writes and prunes checkpoints, and the final model lands as it ends: poll, and read once more then.
  const disk = useQuery({ ...trpc.runs.disk.queryOptions({ id }), refetchInterval: active ? 10_000 : false });
  const { refetch } = disk;
  useEffect(() => {
    void refetch();
  }, [status, refetch]);
  const remove = useMutation(
    trpc.runs.deleteCheckpoints.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.runs.disk.queryKey({ id }) }) }),
  );
  if (!disk.data) return null;
  const d = disk.data;
  const resumable = status !== "succeeded";
  return (
    <div className="row small">
      <span data-testid="run-disk">
        Disk: {formatBytes(d.totalBytes)}, of which checkpoints only {formatBytes(d.checkpointBytes)} ({d.checkpoints} kept)
      </span>
      <ConfirmButton
        label="Delete checkpoints"
        question={
          resumable
            ? "Delete this run's checkpoints except the newest? Resume continues from that one; the older ones, kept for their eval, are gone."
            : "Delete all of this run's checkpoints? The final model stays; the run can no longer be continued from a checkpoint."
        }
        confirmLabel="Delete checkpoints"
        disabled={active || d.checkpoints <= (resumable ? 1 : 0) || remove.isPending}
        onConfirm={() => remove.mutate({ id })}
      />
      {active && <span className="muted">checkpoints can be deleted once the run has stopped</span>}
      {remove.data && <span className="muted">freed {formatBytes(remove.data.freedBytes)}</span>}
      {remove.error && <span className="error">{remove.error.message}</span>}
    </div>
  );
}
