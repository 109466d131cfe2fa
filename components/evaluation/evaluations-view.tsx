"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { AnswersBrowser } from "./answers-browser";
import { CategoryChart } from "./category-chart";
import { EvaluateForm, type TargetOption } from "./evaluate-form";
import { EvaluationJobs } from "./evaluation-jobs";
import { SuiteTables, type Evaluation } from "./suite-tables";

/**
 * Every evaluated model, and one model's evaluations (?model=key): its scores over time, its eval jobs and its
 * answers. Models outside any run (a folder, a GGUF, an endpoint) are evaluated from here.
 */
export function EvaluationsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const all = useQuery({
    ...trpc.evaluation.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((e) => e.status === "queued" || e.status === "running") ? 2_000 : false),
  });
  const [model, setModel] = useSearchParam("model");
  const [selected, setSelected] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.evaluation.list.queryKey() });
  if (all.error) return <p className="error">{all.error.message}</p>;
  if (!all.data) return <p className="muted">Loading evaluations…</p>;
  const byModel = new Map<string, Evaluation[]>();
  for (const e of all.data) byModel.set(e.modelKey, [...(byModel.get(e.modelKey) ?? []), e]);
  const current = model ? (byModel.get(model) ?? []) : [];
  const done = current.filter((e) => e.status === "succeeded");
  const shown = done.find((e) => e.id === selected) ?? done[0] ?? null;
  return (
    <>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Evaluate a model</h2>
        <StandaloneForm onStarted={refresh} />
        <p className="small muted">A run&apos;s student, teacher and initial student are evaluated from the run&apos;s Evaluation tab.</p>
      </div>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Evaluated models</h2>
        {byModel.size === 0 ? (
          <p className="muted small">No evaluation yet.</p>
        ) : (
          <table data-testid="evaluated-models">
            <thead>
              <tr>
                <th>Model</th>
                <th>Evaluations</th>
                <th>Run</th>
              </tr>
            </thead>
            <tbody>
              {[...byModel].map(([key, list]) => (
                <tr key={key}>
                  <td>
                    <button type="button" className={key === model ? "primary" : undefined} onClick={() => setModel(key)} data-testid="evaluated-model">
                      {list[0]!.modelLabel}
                    </button>
                  </td>
                  <td>{list.length}</td>
                  <td>{list[0]!.runId ? <Link href={`/runs/${list[0]!.runId}?tab=evaluation`}>open the run</Link> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {model && current.length > 0 && (
        <div className="panel" data-testid="model-evaluations">
          <h2 style={{ marginTop: 0 }}>{current[0]!.modelLabel}</h2>
          <SuiteTables rows={done.map((e) => ({ key: e.id, label: new Date(e.createdAt).toLocaleString(), evaluation: e }))} />
          <CategoryChart rows={done.map((e) => ({ key: e.id, label: new Date(e.createdAt).toLocaleString(), evaluation: e }))} />
          <h3>Evaluation jobs</h3>
          <EvaluationJobs evaluations={current} selected={shown?.id ?? null} onSelect={setSelected} onEnded={refresh} />
          {shown && (
            <>
              <h3>Answers</h3>
              <AnswersBrowser key={shown.id} evaluation={shown} label={shown.modelLabel} others={all.data.filter((e) => e.status === "succeeded" && e.id !== shown.id).map((e) => ({ id: e.id, label: e.modelLabel }))} />
            </>
          )}
        </div>
      )}
    </>
  );
}

function StandaloneForm({ onStarted }: { onStarted: () => void }) {
  const trpc = useTRPC();
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const [path, setPath] = useState("");
  const targets: TargetOption[] = [
    { key: "embedded", label: "Embedded endpoint (SmolLM2-135M-Instruct)", target: { kind: "endpoint", endpointId: EMBEDDED_ENDPOINT_ID }, heldout: false },
    ...(endpoints.data ?? []).map((ep) => ({ key: `endpoint:${ep.id}`, label: `${ep.name} (${ep.model})`, target: { kind: "endpoint" as const, endpointId: ep.id }, heldout: false })),
    { key: "dir", label: "A Hugging Face model folder (path below)", target: { kind: "path", source: "dir", path }, heldout: false },
    { key: "gguf", label: "A GGUF file (path below)", target: { kind: "path", source: "gguf", path }, heldout: false },
  ];
  return (
    <EvaluateForm targets={targets} onStarted={onStarted}>
      <label className="small">
        Model path (in the model roots){" "}
        <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/model or model.gguf" style={{ width: "28rem" }} data-testid="evaluate-path" />
      </label>
    </EvaluateForm>
  );
}
