"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmButton } from "~/components/confirm-button";
import { useTRPC } from "~/components/trpc/react";
import type { EndpointView } from "~/lib/contracts/endpoints";
import { EndpointForm } from "./endpoint-form";
import { TestResult } from "./test-result";

const priceText = (e: EndpointView) =>
  e.inputPricePerM === null && e.outputPricePerM === null ? "—" : `${e.inputPricePerM ?? "—"} in / ${e.outputPricePerM ?? "—"} out`;

/** The endpoints the user added, each with Test, Edit and Delete, and the form that adds or edits one. */
export function EndpointsTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoints = useQuery(trpc.endpoints.list.queryOptions());
  const [editing, setEditing] = useState<EndpointView | null>(null);
  const remove = useMutation(trpc.endpoints.delete.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.endpoints.list.queryKey() }) }));
  const test = useMutation(trpc.endpoints.test.mutationOptions());
  if (endpoints.error) return <p className="error">{endpoints.error.message}</p>;
  if (!endpoints.data) return <p className="muted">Loading endpoints…</p>;
  const tested = test.variables?.id;
  return (
    <>
      <div className="panel scroll-x">
        <h2 style={{ marginTop: 0 }}>Your endpoints</h2>
        {remove.error && <p className="error">{remove.error.message}</p>}
        {endpoints.data.length === 0 ? (
          <p className="muted">None yet: add vLLM, Ollama, llama.cpp or a hosted API below.</p>
        ) : (
          <table data-testid="endpoints-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Base URL and model</th>
                <th>Key</th>
                <th>Concurrency, timeout</th>
                <th>Price per M tokens</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {endpoints.data.map((e) => (
                <tr key={e.id} data-testid={`endpoint-row-${e.id}`}>
                  <td>{e.name}</td>
                  <td className="small">
                    <div className="mono">{e.baseUrl}</div>
                    <div>{e.model}</div>
                    {tested === e.id && test.isPending && <div className="muted">Testing…</div>}
                    {tested === e.id && test.error && <div className="error">{test.error.message}</div>}
                    {tested === e.id && test.data && <TestResult result={test.data} model={e.model} />}
                  </td>
                  <td className="small">{e.hasKey ? <span className="ok">key set</span> : <span className="muted">none</span>}</td>
                  <td className="small">
                    {e.maxConcurrency}, {e.requestTimeoutS} s
                  </td>
                  <td className="small">{priceText(e)}</td>
                  <td>
                    <div className="row" style={{ gap: "0.4rem" }}>
                      <button onClick={() => test.mutate({ id: e.id })} disabled={test.isPending}>
                        Test
                      </button>
                      <button onClick={() => setEditing(e)}>Edit</button>
                      <ConfirmButton
                        label="Delete"
                        question={`Delete endpoint "${e.name}"? Its settings and its API key are removed from the studio.`}
                        confirmLabel="Delete endpoint"
                        disabled={remove.isPending}
                        onConfirm={() => {
                          if (editing?.id === e.id) setEditing(null);
                          remove.mutate({ id: e.id });
                        }}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <EndpointForm key={editing?.id ?? "new"} editing={editing} onDone={() => setEditing(null)} />
    </>
  );
}
