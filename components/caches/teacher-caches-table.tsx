"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { ConfirmButton } from "~/components/confirm-button";
import { StatusBadge } from "~/components/runs/status-badge";
import { useTRPC } from "~/components/trpc/react";
import { formatBytes, formatCount } from "~/lib/format";
import { describeModel } from "~/lib/runs/teacher-cache";

/**
 * Every teacher-logit cache the studio knows: its teacher, dataset, k, size and key (what a run must share to use
 * it), its job's status and page, and Delete.
 */
export function TeacherCachesTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const caches = useQuery({
    ...trpc.teacherCaches.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((c) => c.status === "queued" || c.status === "running") ? 2_000 : false),
  });
  const remove = useMutation(trpc.teacherCaches.delete.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.teacherCaches.list.queryKey() }) }));
  if (caches.error) return <p className="error">{caches.error.message}</p>;
  if (!caches.data) return <p className="muted">Loading caches…</p>;
  if (caches.data.length === 0) {
    return (
      <p className="muted" data-testid="caches-empty">
        None yet: build one from a new run&apos;s form (<Link href="/runs/new">New run</Link>, section Teacher-logit cache).
      </p>
    );
  }
  return (
    <div className="panel scroll-x">
      {remove.error && <p className="error">{remove.error.message}</p>}
      <table data-testid="caches-table">
        <thead>
          <tr>
            <th>Cache</th>
            <th>Teacher</th>
            <th>Dataset</th>
            <th>k</th>
            <th>Rows</th>
            <th>Tokens</th>
            <th>Size</th>
            <th>Key</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {caches.data.map((c) => (
            <tr key={c.id} data-testid={`cache-row-${c.id}`}>
              <td className="small">
                <Link href={`/jobs/${encodeURIComponent(c.id)}`} className="mono">
                  {c.id}
                </Link>{" "}
                <StatusBadge status={c.status} />
                <div className="muted">{new Date(c.createdAt).toLocaleString()}</div>
                {c.status === "failed" && c.error && <div className="error">{c.error.split("\n")[0]}</div>}
              </td>
              <td className="small">{describeModel(c.teacher)}</td>
              <td className="small">
                <Link href={`/datasets/${encodeURIComponent(c.datasetId)}`}>{c.datasetName ?? c.datasetId}</Link>
              </td>
              <td>{c.topK}</td>
              <td>{formatCount(c.rows)}</td>
              <td>{c.tokens === null ? "—" : formatCount(c.tokens)}</td>
              <td className="small">
                {c.bytes === null ? "—" : formatBytes(c.bytes)}
                {c.bytes !== null && c.tokens ? <div className="muted">{Math.round(c.bytes / c.tokens)} B/token</div> : null}
              </td>
              <td className="small">
                <div>
                  max length {c.maxLength}, prompt {c.maxPromptLength}
                </div>
                {c.key && (
                  <div className="muted mono" title="the teacher's identity (its config and weights by content) and its chat template's hash">
                    teacher {c.key.teacher} · template {c.key.chat_template}
                  </div>
                )}
              </td>
              <td>
                <ConfirmButton
                  label="Delete"
                  question={`Delete teacher-logit cache ${c.id}? Its files are removed; runs that used it keep their results, and a resume of one would need it again.`}
                  confirmLabel="Delete cache"
                  disabled={remove.isPending || c.status === "queued" || c.status === "running"}
                  onConfirm={() => remove.mutate({ id: c.id })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
