"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/react";
import { GenerationJob, TeacherForm, useLatestJob } from "./generation-job";

/**
 * "Answer with a teacher": an endpoint answers every prompt of the dataset into a new dataset. The latest answer
 * job of the dataset is shown (live progress and cancel while it runs, a link to its dataset once done), so the
 * panel survives a reload.
 */
export function AnswerPanel({ datasetId }: { datasetId: string }) {
  const { latest, active, refresh } = useLatestJob(datasetId, "answer");

  return (
    <section className="panel" aria-label="Answer with a teacher" style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>Answer with a teacher</h2>
      <p className="small muted">
        A teacher model behind an endpoint answers every prompt of this dataset; the answers become a new dataset linked to this one. Endpoints
        are set up on the <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {!active && <AnswerForm datasetId={datasetId} onStarted={refresh} />}
      {latest && (
        <GenerationJob
          key={latest.id}
          job={latest}
          onEnded={refresh}
          testIds={{ job: "answer-job", cancel: "answer-cancel", dataset: "answered-dataset" }}
          linkLabel="Open the answered dataset"
        />
      )}
    </section>
  );
}

function AnswerForm({ datasetId, onStarted }: { datasetId: string; onStarted: () => void }) {
  const trpc = useTRPC();
  const start = useMutation(trpc.generation.answer.mutationOptions({ onSuccess: onStarted }));
  return (
    <TeacherForm
      testIdPrefix="answer"
      maxTokensLabel="Max tokens per answer"
      defaultTemperature="0.7"
      submitLabel="Answer with a teacher"
      pending={start.isPending}
      error={start.error?.message ?? null}
      onSubmit={(settings) => start.mutate({ datasetId, ...settings })}
    />
  );
}
