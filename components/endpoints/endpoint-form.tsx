"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import type { EndpointView } from "~/lib/contracts/endpoints";

type Draft = {
  name: string;
  baseUrl: string;
  model: string;
  maxConcurrency: string;
  requestTimeoutS: string;
  inputPricePerM: string;
  outputPricePerM: string;
  apiKey: string;
  clearKey: boolean;
};

const blank: Draft = {
  name: "",
  baseUrl: "",
  model: "",
  maxConcurrency: "4",
  requestTimeoutS: "120",
  inputPricePerM: "",
  outputPricePerM: "",
  apiKey: "",
  clearKey: false,
};

function draftOf(endpoint: EndpointView): Draft {
  return {
    ...blank,
    name: endpoint.name,
    baseUrl: endpoint.baseUrl,
    model: endpoint.model,
    maxConcurrency: String(endpoint.maxConcurrency),
    requestTimeoutS: String(endpoint.requestTimeoutS),
    inputPricePerM: endpoint.inputPricePerM === null ? "" : String(endpoint.inputPricePerM),
    outputPricePerM: endpoint.outputPricePerM === null ? "" : String(endpoint.outputPricePerM),
  };
}

/** An empty price field is "no price"; anything else goes to the server as a number, which checks it. */
const price = (text: string) => (text.trim() === "" ? null : Number(text));

/**
 * Adds an endpoint, or edits `editing`. The key field is write-only: the studio never sends a key back, so
 * an edit shows "key set" and leaves the key as it is unless a new one is typed or "remove the key" ticked.
 */
export function EndpointForm({ editing, onDone }: { editing: EndpointView | null; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(editing ? draftOf(editing) : blank);
  const onSuccess = () => {
    setDraft(blank);
    onDone();
    return queryClient.invalidateQueries({ queryKey: trpc.endpoints.list.queryKey() });
  };
  const create = useMutation(trpc.endpoints.create.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.endpoints.update.mutationOptions({ onSuccess }));
  const saving = editing ? update : create;
  const field = (key: keyof Draft) => ({
    value: draft[key] as string,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const fields = {
      name: draft.name,
      baseUrl: draft.baseUrl,
      model: draft.model,
      maxConcurrency: Number(draft.maxConcurrency),
      requestTimeoutS: Number(draft.requestTimeoutS),
      inputPricePerM: price(draft.inputPricePerM),
      outputPricePerM: price(draft.outputPricePerM),
      apiKey: draft.apiKey.trim() || undefined,
    };
    if (editing) update.mutate({ ...fields, id: editing.id, clearKey: draft.clearKey || undefined });
    else create.mutate(fields);
  };

  return (
    <form className="panel" data-testid="endpoint-form" onSubmit={submit}>
      <h2 style={{ marginTop: 0 }}>{editing ? `Edit “${editing.name}”` : "Add an endpoint"}</h2>
      <p className="small muted">
        Any OpenAI-compatible chat-completions server: vLLM, Ollama, llama.cpp or a hosted API. The base URL is what an OpenAI
        client takes, usually ending in <span className="mono">/v1</span>.
      </p>
      <div className="grid2">
        <label>
          Name
          <input required {...field("name")} placeholder="vLLM on the GPU box" />
        </label>
        <label>
          Base URL
          <input required {...field("baseUrl")} placeholder="http://127.0.0.1:8000/v1" />
        </label>
        <label>
          Model
          <input required {...field("model")} placeholder="Qwen/Qwen2.5-7B-Instruct" />
        </label>
        <label>
          API key {editing?.hasKey && <span className="ok">(key set)</span>}
          <input
            type="password"
            // Not "off": browsers still fill a saved password into a password field then, replacing the key on Save.
            autoComplete="new-password"
            {...field("apiKey")}
            disabled={draft.clearKey}
            placeholder={editing?.hasKey ? "type a new key to replace it" : "none"}
          />
        </label>
        <label>
          Maximum concurrent requests
          <input type="number" min={1} step={1} required {...field("maxConcurrency")} />
        </label>
        <label>
          Request timeout (seconds)
          <input type="number" min={1} step={1} required {...field("requestTimeoutS")} />
        </label>
        <label>
          Price per million input tokens (optional)
          <input type="number" min={0} step="any" {...field("inputPricePerM")} />
        </label>
        <label>
          Price per million output tokens (optional)
          <input type="number" min={0} step="any" {...field("outputPricePerM")} />
        </label>
      </div>
      {editing?.hasKey && (
        <label style={{ marginTop: "0.75rem" }}>
          <input type="checkbox" checked={draft.clearKey} onChange={(e) => setDraft((d) => ({ ...d, clearKey: e.target.checked, apiKey: "" }))} />
          Remove the key
        </label>
      )}
      <div className="row" style={{ marginTop: "0.75rem" }}>
        <button type="submit" className="primary" disabled={saving.isPending}>
          {editing ? "Save" : "Add endpoint"}
        </button>
        {editing && (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        )}
        {saving.error && <span className="error small">{saving.error.message}</span>}
      </div>
    </form>
  );
}
