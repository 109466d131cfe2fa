"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/react";
import { GenerationJob, TeacherForm, useLatestJob } from "./generation-job";

/**
 * "Rewrite with a teacher" (TAPIR §5): an endpoint rewrites every answer of the dataset in the style of its row's
 * task type into a new dataset. The latest rewrite job of the dataset is shown (live progress and cancel while it
 * runs, a link to its dataset once done), so the panel survives a reload.
 */
export function RewritePanel({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const { latest, active, refresh } = useLatestJob(datasetId, "rewrite");
  const start = useMutation(trpc.generation.rewrite.mutationOptions({ onSuccess: refresh }));

  return (
    <section className="panel" aria-label="Rewrite with a teacher" style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>Rewrite with a teacher</h2>
      <p className="small muted">
        A teacher rewrites every answer of this dataset in the style of its row&apos;s task type (TAPIR: step-by-step reasoning for Math and
        Reasoning, commented code for Code Generation and Code Debug), task types coming from the latest tag result; the rewrites become a new
        dataset linked to this one, each row keeping the answer it rewrote. The styles are on the <Link href="/templates">Templates</Link> page.
        Endpoints are set up on the <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {!active && (
        <TeacherForm
          testIdPrefix="rewrite"
          maxTokensLabel="Max tokens per answer"
          defaultTemperature="0.7"
          submitLabel="Rewrite with a teacher"
          pending={start.isPending}
          error={start.error?.message ?? null}
          onSubmit={(settings) => start.mutate({ datasetId, ...settings })}
        />
      )}
      {latest && (
        <GenerationJob
          key={latest.id}
          job={latest}
          onEnded={refresh}
          testIds={{ job: "rewrite-job", cancel: "rewrite-cancel", resume: "rewrite-resume", dataset: "rewritten-dataset" }}
          linkLabel="Open the rewritten dataset"
        />
      )}
    </section>
  );
}
