"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { EndpointSelect, GenerationJob, useLatestJob } from "./generation-job";

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
  const [endpointId, setEndpointId] = useState(EMBEDDED_ENDPOINT_ID);
  const [maxTokens, setMaxTokens] = useState("512");
  const [temperature, setTemperature] = useState("0.7");
  const start = useMutation(trpc.generation.answer.mutationOptions({ onSuccess: onStarted }));
  return (
    <form
      className="row"
      style={{ gap: "1rem", alignItems: "end", flexWrap: "wrap" }}
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate({ datasetId, endpointId, maxTokens: Number(maxTokens), temperature: Number(temperature) });
      }}
    >
      <EndpointSelect value={endpointId} onChange={setEndpointId} testId="answer-endpoint" />
      <label>
        Max tokens per answer
        <input type="number" min={1} step={1} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} data-testid="answer-max-tokens" />
      </label>
      <label>
        Temperature
        <input type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} data-testid="answer-temperature" />
      </label>
      <button type="submit" className="primary" disabled={start.isPending} data-testid="answer-start">
        {start.isPending ? "Starting…" : "Answer with a teacher"}
      </button>
      {start.error && <p className="error" role="alert">{start.error.message}</p>}
    </form>
  );
}

