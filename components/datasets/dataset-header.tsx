"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmButton } from "~/components/confirm-button";
import type { RouterOutputs } from "~/components/trpc/types";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import { ImportProgress } from "./import-progress";
import styles from "./datasets.module.css";

type Dataset = RouterOutputs["datasets"]["get"];

/** Name (renamed inline), counts, status, export links and delete. */
export function DatasetHeader({ dataset }: { dataset: Dataset }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.datasets.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
        router.push("/");
      },
    }),
  );
  const exportHref = (form: "alpaca" | "messages") => `/api/datasets/${encodeURIComponent(dataset.id)}/export?form=${form}`;

  return (
    <div className="panel">
      <DatasetName dataset={dataset} />
      <div className="row" style={{ gap: "2rem", marginTop: "0.75rem" }}>
        <Stat label="rows" value={dataset.rowCount} testId="row-count" />
        <Stat label="duplicates" value={dataset.duplicateCount} testId="duplicate-count" />
        <Stat label="rejected" value={dataset.rejectedCount} testId="rejected-count" />
        <div className={`stat ${styles.statusStat}`}>
          <span className={`badge ${dataset.status}`} data-testid="dataset-status">{dataset.status}</span>
          <span className="small muted">
            {dataset.format} · {dataset.originalName}
          </span>
        </div>
      </div>
      {dataset.parentId && <AnsweredFrom parentId={dataset.parentId} rewritten={dataset.format === "teacher_rewrites"} />}
      {dataset.status === "failed" && dataset.error && (
        <p className="error" role="alert">The import failed: {dataset.error}</p>
      )}
      {dataset.status === "importing" && dataset.jobId && <ImportProgress datasetId={dataset.id} jobId={dataset.jobId} />}
      <div className="row" style={{ marginTop: "0.75rem" }}>
        {dataset.status === "ready" && (
          <>
            <a className="button primary" href={`/runs/new?dataset=${encodeURIComponent(dataset.id)}`} data-testid="distil">
              Distil…
            </a>
            <a className="button" href={exportHref("alpaca")} download>
              Export Alpaca JSONL
            </a>
            <a className="button" href={exportHref("messages")} download>
              Export messages JSONL
            </a>
          </>
        )}
        <ConfirmButton
          label="Delete dataset"
          question={`Delete “${dataset.name}” and its ${formatCount(dataset.rowCount)} rows? This cannot be undone.`}
          confirmLabel="Delete"
          disabled={remove.isPending || dataset.status === "importing"}
          onConfirm={() => remove.mutate({ id: dataset.id })}
        />
      </div>
      {remove.error && <p className="error" role="alert">{remove.error.message}</p>}
    </div>
  );
}

/** A generated dataset names the dataset whose prompts the teacher answered, or whose answers it rewrote. */
function AnsweredFrom({ parentId, rewritten }: { parentId: string; rewritten: boolean }) {
  const trpc = useTRPC();
  const parent = useQuery({ ...trpc.datasets.get.queryOptions({ id: parentId }), retry: false });
  return (
    <p className="small" data-testid="answered-from">
      {rewritten ? "Rewritten by a teacher from" : "Answered by a teacher from"}{" "}
      {parent.error ? (
        "a dataset that has since been deleted"
      ) : (
        <Link href={`/datasets/${encodeURIComponent(parentId)}`} data-testid="parent-link">
          {parent.data?.name ?? "its parent dataset"}
        </Link>
      )}
      .
    </p>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="stat">
      <b data-testid={testId}>{formatCount(value)}</b>
      <span className="small muted">{label}</span>
    </div>
  );
}

function DatasetName({ dataset }: { dataset: Dataset }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const rename = useMutation(
    trpc.datasets.rename.mutationOptions({
      onSuccess: async () => {
        setDraft(null);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.datasets.get.queryKey({ id: dataset.id }) }),
          queryClient.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() }),
        ]);
      },
    }),
  );

  if (draft == null)
    return (
      <div className="row">
        <h1 style={{ margin: 0 }} data-testid="dataset-name">{dataset.name}</h1>
        <button onClick={() => setDraft(dataset.name)}>Rename</button>
      </div>
    );
  const save = () => rename.mutate({ id: dataset.id, name: draft });
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <input
        autoFocus
        aria-label="New dataset name"
        value={draft}
        maxLength={200}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && setDraft(null)}
      />
      <button className="primary" type="submit" disabled={rename.isPending || !draft.trim()}>
        Save
      </button>
      <button type="button" onClick={() => setDraft(null)}>
        Cancel
      </button>
      {rename.error && <span className="error" role="alert">{rename.error.message}</span>}
    </form>
  );
}
