"use client";

import { useQueryClient } from "@tanstack/react-query";
import { ProgressBar } from "~/components/progress-bar";
import { useJobEvents } from "~/components/jobs/use-job-events";
import { formatEta } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";

/** The live progress of a dataset's import job; the dataset is read again when the job ends. */
export function ImportProgress({ datasetId, jobId }: { datasetId: string; jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = useJobEvents(jobId, (event) => {
    if (event.type === "done" || event.type === "error") {
      void queryClient.invalidateQueries({ queryKey: trpc.datasets.get.queryKey({ id: datasetId }) });
    }
  });
  const p = live.progress;
  return (
    <div style={{ marginTop: "0.75rem" }}>
      <ProgressBar
        fraction={p?.total ? p.current / p.total : null}
        label={p ? `${p.message ?? "Importing…"}${p.eta_s != null ? `, ${formatEta(p.eta_s)} left` : ""}` : "Waiting for the import to start…"}
      />
    </div>
  );
}
