"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "~/components/trpc/react";

/** One click: the tagger's labelled examples imported as a dataset, with their labels as hand labels. */
export function LoadDemoButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const load = useMutation(trpc.curriculum.loadDemo.mutationOptions({ onSuccess: ({ datasetId }) => router.push(`/datasets/${datasetId}`) }));
  return (
    <div className="row">
      <button data-testid="load-demo" disabled={load.isPending} onClick={() => load.mutate()}>
        Load demo dataset
      </button>
      <span className="small muted">440 instructions labelled with their task type</span>
      {load.error && <span className="error" role="alert">{load.error.message}</span>}
    </div>
  );
}
