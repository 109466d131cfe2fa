"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Batching, CurriculumInput } from "~/lib/planning";
import { useTRPC } from "~/components/trpc/react";

/** Save freezes the current design under its content hash; each saved version has its own page. */
export function SavedCurricula({ datasetId, spec, batching, invalid }: { datasetId: string; spec: CurriculumInput; batching: Batching; invalid: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const list = useQuery(trpc.curriculum.list.queryOptions({ datasetId }));
  const save = useMutation(
    trpc.curriculum.save.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.curriculum.list.queryKey({ datasetId }) }) }),
  );
  return (
    <div className="panel" data-testid="saved-curricula">
      <h2 style={{ marginTop: 0 }}>Saved curricula</h2>
      <div className="row">
        <input aria-label="Curriculum name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} data-testid="curriculum-name" />
        <button data-testid="save-curriculum" disabled={invalid != null || save.isPending} onClick={() => save.mutate({ name, spec: spec as never })}>
          Save version
        </button>
        {invalid && <span className="error small">{invalid}</span>}
        {save.data && (
          <span className="small" data-testid="saved-message">
            {save.data.existed ? "Already saved as" : "Saved"}{" "}
            {/* The launch page opens with the batching the preview counted steps with. */}
            <a href={`/curricula/${save.data.id}?batch=${batching.batch_size}&accum=${batching.grad_accum}`}>{save.data.name}</a> ({save.data.contentHash.slice(0, 12)})
          </span>
        )}
      </div>
      {save.error && <p className="error" role="alert">{save.error.message}</p>}
      <ul>
        {list.data?.map((c) => (
          <li key={c.id} data-testid="saved-curriculum">
            <a href={`/curricula/${c.id}`}>{c.name}</a> <span className="mono small muted">{c.contentHash.slice(0, 12)}</span>{" "}
            <span className="small muted">{new Date(c.createdAt).toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
