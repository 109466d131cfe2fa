"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";

/** A run's name linking to its page, renamed in place. */
export function RunNameCell(props: { id: string; name: string; createdAt: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const rename = useMutation(
    trpc.runs.rename.mutationOptions({
      onSuccess: () => {
        setDraft(null);
        return queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() });
      },
    }),
  );
  if (draft === null) {
    return (
      <>
        <Link href={`/runs/${props.id}`}>{props.name}</Link>{" "}
        <button className="small" data-testid="rename" onClick={() => setDraft(props.name)}>
          Rename
        </button>
        <div className="small muted">{new Date(props.createdAt).toLocaleString()}</div>
      </>
    );
  }
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        rename.mutate({ id: props.id, name: draft });
      }}
    >
      <input data-testid="rename-input" aria-label="new name" value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} />
      <button type="submit" className="primary" data-testid="rename-save" disabled={rename.isPending}>
        Save
      </button>
      <button type="button" onClick={() => setDraft(null)}>
        Cancel
      </button>
      {rename.error && <span className="error small">{rename.error.message}</span>}
    </form>
  );
}
