"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import { ORIGIN_LABELS } from "~/lib/contracts/generation";
import { useDomainInvalidation } from "./domain-panel";
import styles from "./datasets.module.css";

/**
 * One row in full: every turn of the conversation under its role, with where it came from in the upload or how a
 * teacher made it; a rewritten row shows each original answer beside its rewrite.
 */
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
                {ORIGIN_LABELS[row.data.origin].replace(/^./, (c) => c.toUpperCase())}
                {row.data.provenance.task_type !== undefined && ` (${row.data.provenance.task_type ?? "no task type"})`}: {row.data.provenance.model} at {row.data.provenance.endpoint}, template {row.data.provenance.template.name} v
                {row.data.provenance.template.version}, {Object.entries(row.data.provenance.sampling).map(([k, v]) => `${k} ${v}`).join(", ")}, made{" "}
                {new Date(row.data.provenance.time).toLocaleString()}
              </>
            ) : (
              "Original (imported)"
            )}
          </p>
          <DomainToggle datasetId={props.datasetId} idx={props.idx} isDomain={row.data.isDomain} />
          <p className="small muted">
            <span data-testid="row-where">{row.data.where}</span> of {row.data.provenance ? "the answers" : "the upload"} · {row.data.turns} {row.data.turns === 1 ? "turn" : "turns"} ·
            prompt {formatCount(row.data.promptLength)}, response {formatCount(row.data.responseLength)} {row.data.lengthUnit === "tokens" ? "tokens" : "characters"}
            {row.data.isDuplicate && " · duplicate of an earlier row"}
          </p>
          {withOriginals(row.data.messages, row.data.provenance?.original_answers).map(({ message: m, original }, i) =>
            original === undefined ? (
              <div key={i} className={`turn ${m.role}`}>
                <div className="role">{m.role}</div>
                <div className={styles.turnText}>{m.content}</div>
              </div>
            ) : (
              <div key={i} className={styles.sideBySide} data-testid="rewrite-pair">
                <div className="turn assistant">
                  <div className="role">original answer</div>
                  <div className={styles.turnText} data-testid="original-answer">{original}</div>
                </div>
                <div className="turn assistant">
                  <div className="role">rewrite</div>
                  <div className={styles.turnText} data-testid="rewritten-answer">{m.content}</div>
                </div>
              </div>
            ),
          )}
        </>
      )}
    </aside>
  );
}

/** KD + DAE's flag of one row, set by hand: a DAE phase distils a domain row from the domain expert. */
function DomainToggle(props: { datasetId: string; idx: number; isDomain: boolean }) {
  const trpc = useTRPC();
  const invalidate = useDomainInvalidation(props.datasetId);
  const set = useMutation(trpc.datasets.setRowDomain.mutationOptions({ onSuccess: invalidate }));
  return (
    <label className="row small">
      <input
        type="checkbox"
        data-testid="row-domain"
        checked={set.isPending && set.variables ? set.variables.isDomain : props.isDomain}
        disabled={set.isPending}
        onChange={(e) => set.mutate({ id: props.datasetId, idx: props.idx, isDomain: e.target.checked })}
      />
      domain row (KD + DAE: distilled from the domain expert)
      {set.error && <span className="error" role="alert">{set.error.message}</span>}
    </label>
  );
}

/**
 * Each message with the answer it rewrote, when it is a rewrite: the k-th assistant turn that answers a user turn
 * has the k-th original (the trainer's answers_to_rewrite in rewrite.py pairs them the same way).
 */
function withOriginals(messages: { role: string; content: string }[], originals: string[] | undefined) {
  let answered = 0;
  let asked = false;
  return messages.map((message) => {
    const rewrite = originals !== undefined && message.role === "assistant" && asked;
    if (message.role === "user" || message.role === "assistant") asked = message.role === "user";
    return { message, original: rewrite ? originals[answered++] : undefined };
  });
}
