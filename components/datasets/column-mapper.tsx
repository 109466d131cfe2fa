"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ColumnMapping, IngestFormat } from "~/lib/contracts/job";
import { importMapping, ingestFormat } from "~/lib/contracts/job";
import { useTRPC } from "~/components/trpc/react";

const FIELDS: (keyof ColumnMapping)[] = ["instruction", "input", "output", "system", "messages", "domain"];
/** Fields whose label says more than their name. */
const FIELD_LABELS: Partial<Record<keyof ColumnMapping, string>> = { domain: "domain flag (KD + DAE)" };
const FORMAT_LABELS: Record<IngestFormat, string> = {
  alpaca_json: "Alpaca JSON array",
  alpaca_jsonl: "Alpaca JSONL",
  messages_jsonl: "Conversations JSONL (messages / ShareGPT / MT-Bench turns)",
  csv: "CSV",
  parquet: "Parquet",
};

/** Shows the detected format and columns of an upload, lets the user remap them, then starts the import. */
export function ColumnMapper(props: {
  upload: { uploadId: string; originalName: string };
  busy: boolean;
  onImport: (choice: { name: string; format: IngestFormat; mapping: ColumnMapping }) => void;
}) {
  const trpc = useTRPC();
  const [format, setFormat] = useState<IngestFormat | undefined>(undefined);
  const inspected = useQuery(trpc.datasets.inspectUpload.queryOptions({ uploadId: props.upload.uploadId, originalName: props.upload.originalName, format }));
  // null until the user changes it: the detected mapping, so nothing is flagged before detection answers.
  const [chosen, setMapping] = useState<ColumnMapping | null>(null);
  const [name, setName] = useState(props.upload.originalName.replace(/\.[^.]+$/, ""));
  const datasets = useQuery(trpc.datasets.list.queryOptions());

  useEffect(() => {
    if (inspected.data) setMapping(null);
  }, [inspected.data]);

  if (inspected.isPending) return <p className="muted">Detecting the format and columns…</p>;
  if (inspected.error) return <p className="error" role="alert">{inspected.error.message}</p>;
  const { columns, sample } = inspected.data;
  const mapping = chosen ?? inspected.data.mapping;
  const unmapped = importMapping.safeParse(mapping).error?.issues[0]?.message;
  const taken = datasets.data?.some((d) => d.name.trim().toLowerCase() === name.trim().toLowerCase());

  return (
    <div style={{ marginTop: "1rem" }} data-testid="column-mapper">
      <div className="row">
        <label>
          Dataset name
          <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Dataset name" />
        </label>
        <label>
          Format
          <select value={inspected.data.format} onChange={(e) => setFormat(e.target.value as IngestFormat)}>
            {ingestFormat.options.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {FIELDS.map((field) => (
          <label key={field}>
            {FIELD_LABELS[field] ?? field}
            <select
              aria-label={`column for ${field}`}
              value={mapping[field] ?? ""}
              onChange={(e) => setMapping({ ...mapping, [field]: e.target.value || undefined })}
            >
              <option value="">(none)</option>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {sample.length > 0 && (
        <div style={{ overflowX: "auto", marginTop: "0.75rem" }}>
          <table>
            <thead>
              <tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr>
            </thead>
            <tbody>
              {sample.slice(0, 3).map((row, i) => (
                <tr key={i}>
                  {columns.map((c, j) => (
                    <td key={c} className="small">
                      {cut(row[j])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button
        className="primary"
        style={{ marginTop: "0.75rem" }}
        disabled={props.busy || !name.trim() || Boolean(unmapped)}
        onClick={() => props.onImport({ name: name.trim(), format: inspected.data.format, mapping })}
      >
        Import
      </button>
      {unmapped && (
        <p className="error small" role="alert" data-testid="mapping-refused">
          {unmapped}
        </p>
      )}
      {taken && (
        <p className="warning small" role="status" data-testid="name-taken">
          A dataset named &ldquo;{name.trim()}&rdquo; already exists: this import makes a second one beside it. Rename it to tell them apart.
        </p>
      )}
    </div>
  );
}

function cut(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
