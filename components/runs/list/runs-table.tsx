"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ConfirmButton } from "~/components/confirm-button";
import { formatEta } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import { StatusBadge } from "../status-badge";
import { formatEval } from "~/lib/runs/format-eval";
import { RunFilters, useRunFilters } from "./run-filters";
import { RunNameCell } from "./run-name-cell";

/** Every run, newest first, filtered by dataset, status and loss; tick two or more to compare them. */
export function RunsTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const filters = useRunFilters();
  const remove = useMutation(trpc.runs.delete.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() }) }));
  const runs = useQuery({
    ...trpc.runs.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === "queued" || r.status === "running") ? 3000 : false),
  });
  const [selected, setSelected] = useState<string[]>([]);
  if (runs.error) return <p className="error">{runs.error.message}</p>;
  if (!runs.data) return <p className="muted">Loading runs…</p>;
  if (runs.data.length === 0) return <p className="muted">No runs yet: open a dataset and choose “Distil…”.</p>;
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const shown = runs.data.filter(filters.matches);
  return (
    <>
      <div className="row" style={{ marginBottom: "0.75rem", justifyContent: "space-between" }}>
        <Link
          data-testid="compare"
          className={`button${selected.length >= 2 ? " primary" : ""}`}
          aria-disabled={selected.length < 2}
          href={selected.length >= 2 ? `/runs/compare?ids=${selected.join(",")}` : "#"}
          onClick={(e) => selected.length < 2 && e.preventDefault()}
        >
          Compare {selected.length >= 2 ? `${selected.length} runs` : "(select two or more)"}
        </Link>
        <RunFilters runs={runs.data} params={filters.params} />
      </div>
      {remove.error && <p className="error">{remove.error.message}</p>}
      {shown.length === 0 && <p className="muted">No run matches these filters.</p>}
      <div className="panel">
        <table data-testid="runs-table">
          <thead>
            <tr>
              <th />
              <th>Run</th>
              <th>Status</th>
              <th>Dataset</th>
              <th>Teacher → student</th>
              <th>Loss</th>
              <th>Duration</th>
              <th>Best eval</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} data-testid={`run-row-${r.id}`}>
                <td>
                  <input type="checkbox" aria-label={`select ${r.name}`} checked={selected.includes(r.id)} onChange={() => toggle(r.id)} />
                </td>
                <td>
                  <RunNameCell id={r.id} name={r.name} createdAt={r.createdAt} />
                </td>
                <td>
                  <StatusBadge status={r.status} queuePosition={r.queuePosition} />
                </td>
                <td className="small">{r.datasetName ?? "—"}</td>
                <td className="small">
                  {r.teacher} → {r.student}
                </td>
                <td className="mono">{r.loss}</td>
                <td className="small">{r.durationMs == null ? "—" : formatEta(r.durationMs / 1000)}</td>
                <td className="small">{formatEval(r.bestEvalLoss, r.bestRougeL)}</td>
                <td>
                  <ConfirmButton
                    label="Delete"
                    question={`Delete run "${r.name}"? Its folder (checkpoints, data and the student saved in it) is removed; this cannot be undone.`}
                    confirmLabel="Delete run"
                    disabled={r.status === "queued" || r.status === "running" || remove.isPending}
                    onConfirm={() => remove.mutate({ id: r.id })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
