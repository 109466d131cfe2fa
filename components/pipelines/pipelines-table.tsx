"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/react";
import { pipelineActive, STEP_LABELS } from "~/lib/pipelines/pipeline-view";

const COLUMNS = ["Pipeline", "Status", "Round", "Step", "Seed pool", "Created"];

/** Every pipeline, newest first, with where it stands; polled while one moves. */
export function PipelinesTable() {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.pipelines.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((p) => pipelineActive(p.status)) ? 3000 : false),
  });
  if (list.error) return <p className="error">{list.error.message}</p>;
  if (!list.data) return <p className="muted">Loading pipelines…</p>;
  if (list.data.length === 0) return <p className="muted" data-testid="no-pipelines">No pipeline yet: create one to run TAPIR&apos;s rounds on a tagged dataset.</p>;
  return (
    <div className="panel">
      <table data-testid="pipelines-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.data.map((p) => (
            <tr key={p.id} data-testid={`pipeline-row-${p.id}`}>
              <td>
                <Link href={`/pipelines/${encodeURIComponent(p.id)}`}>{p.name || p.id}</Link>
              </td>
              <td>
                <span className={`badge ${p.status}`}>{p.status}</span>
              </td>
              <td>{p.currentRound === 0 ? "baselines" : `${p.currentRound} of ${p.rounds}`}</td>
              <td className="small">{p.currentStep ? STEP_LABELS[p.currentStep] : "—"}</td>
              <td className="small">
                <Link href={`/datasets/${encodeURIComponent(p.seedDatasetId)}`}>{p.seedDatasetId}</Link>
              </td>
              <td className="small">{new Date(p.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
