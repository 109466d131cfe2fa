"use client";

import { useQuery } from "@tanstack/react-query";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import styles from "./datasets.module.css";

/** One row in full: every turn of the conversation under its role, with where it came from in the upload. */
export function RowView(props: { datasetId: string; idx: number; onClose: () => void }) {
  const trpc = useTRPC();
  const row = useQuery(trpc.datasets.row.queryOptions({ id: props.datasetId, idx: props.idx }));
  return (
    <aside className={`panel ${styles.panelSide}`} data-testid="row-view" aria-label={`Row ${props.idx}`} onKeyDown={(e) => e.key === "Escape" && props.onClose()}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <b>Row #{props.idx}</b>
        <button onClick={props.onClose} aria-label="Close the row">
          Close
        </button>
      </div>
      {row.isPending && <p className="muted">Loading row #{props.idx}…</p>}
      {row.error && <p className="error" role="alert">{row.error.message}</p>}
      {row.data && (
        <>
          <p className="small" data-testid="row-origin">
            {row.data.provenance ? (
              <>
                Teacher answer: {row.data.provenance.model} at {row.data.provenance.endpoint}, template {row.data.provenance.template.name} v
                {row.data.provenance.template.version}, {Object.entries(row.data.provenance.sampling).map(([k, v]) => `${k} ${v}`).join(", ")}, answered{" "}
                {new Date(row.data.provenance.time).toLocaleString()}
              </>
            ) : (
              "Original (imported)"
            )}
          </p>
          <p className="small muted">
            <span data-testid="row-where">{row.data.where}</span> of {row.data.provenance ? "the answers" : "the upload"} · {row.data.turns} {row.data.turns === 1 ? "turn" : "turns"} ·
            prompt {formatCount(row.data.promptLength)}, response {formatCount(row.data.responseLength)} {row.data.lengthUnit === "tokens" ? "tokens" : "characters"}
            {row.data.isDuplicate && " · duplicate of an earlier row"}
          </p>
          {row.data.messages.map((m, i) => (
            <div key={i} className={`turn ${m.role}`}>
              <div className="role">{m.role}</div>
              <div className={styles.turnText}>{m.content}</div>
            </div>
          ))}
        </>
      )}
    </aside>
  );
}
