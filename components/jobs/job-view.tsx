"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { GenerationJob } from "~/components/generation/generation-job";
import { StatusBadge } from "~/components/runs/status-badge";
import { useTRPC } from "~/components/trpc/react";
import { JobProgress } from "./job-progress";

const ACTIVE = new Set(["queued", "running"]);

/**
 * One job's page, for the jobs that have no page of their own (a pipeline step opens it): its kind, status, live
 * progress, error, and where its result is shown. A train job's page is its run's.
 */
export function JobView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && ACTIVE.has(q.state.data.status) ? 2000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id }) });
  if (job.error) return <p className="error">{job.error.message}</p>;
  if (!job.data) return <p className="muted">Loading job…</p>;
  const j = job.data;
  const generation = j.kind === "answer" || j.kind === "expand" || j.kind === "rewrite";
  return (
    <>
      <h1>
        {j.name} <StatusBadge status={j.status} queuePosition={j.queuePosition} />
      </h1>
      <p className="small muted" data-testid="job-kind">
        {j.kind} job · created {new Date(j.createdAt).toLocaleString()}
        {j.datasetId && (
          <>
            {" · "}
            <Link href={`/datasets/${encodeURIComponent(j.datasetId)}`}>its dataset</Link>
          </>
        )}
        {j.kind === "teacher_cache" && (
          <>
            {" · "}
            <Link href="/caches">its cache on the Caches page</Link>
          </>
        )}
        {j.kind === "eval" && (
          <>
            {" · "}
            <Link href="/evaluations">its scores on the Evaluations page</Link>
          </>
        )}
      </p>
      <div className="panel">
        {generation ? (
          <GenerationJob job={j} onEnded={refresh} testIds={{ job: "job-live", cancel: "job-cancel", resume: "job-resume", dataset: "job-dataset" }} linkLabel="Open the dataset it made" />
        ) : (
          <>
            {ACTIVE.has(j.status) && <JobProgress jobId={id} onEnded={refresh} />}
            {j.status === "failed" && j.error && (
              <pre className="error" role="alert">
                {j.error}
              </pre>
            )}
            {j.status === "succeeded" && <p className="ok">Finished.</p>}
          </>
        )}
      </div>
    </>
  );
}
