"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";

/** "12 of 40 rows (30%)": the share a DAE phase splits between the expert and the reference model. */
export function describeShare({ domain, total }: { domain: number; total: number }): string {
  const percent = total === 0 ? 0 : Math.round((1000 * domain) / total) / 10;
  return `${formatCount(domain)} of ${formatCount(total)} rows (${percent}%)`;
}

/** After a change of flags: the share, the row list (badges, domain filter) and the open row read again. */
export function useDomainInvalidation(datasetId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.datasets.domainShare.queryKey({ id: datasetId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.datasets.rows.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.datasets.search.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.datasets.row.queryKey() }),
      // The launch forms' share of the run's training rows.
      queryClient.invalidateQueries({ queryKey: trpc.runs.domainShare.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.curriculum.plan.queryKey() }),
    ]);
}

/**
 * KD + DAE's domain rows of a dataset: their share, and the dataset-level action that flags the rows of chosen task
 * types (each row's hand label, else its label in a tag pass, as the curriculum designer reads them). Rows are also
 * flagged from a column at import and by hand in the row view.
 */
export function DomainPanel({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const share = useQuery(trpc.datasets.domainShare.queryOptions({ id: datasetId }));
  const results = useQuery(trpc.curriculum.results.queryOptions({ datasetId }));
  const [pass, setPass] = useState<string | null | undefined>(undefined);
  const [types, setTypes] = useState<string[]>([]);
  const [replace, setReplace] = useState(true);
  const invalidate = useDomainInvalidation(datasetId);
  const flag = useMutation(trpc.datasets.flagByTaskType.mutationOptions({ onSuccess: invalidate }));
  // The newest tag pass until the user picks: hand labels alone rarely cover a dataset.
  const tagResultId = pass === undefined ? (results.data?.tags[0]?.id ?? null) : pass;

  return (
    <details className="panel" data-testid="domain-panel">
      <summary>
        <b>Domain rows (KD + DAE)</b>:{" "}
        <span data-testid="domain-share">{share.data ? describeShare(share.data) : "…"}</span> flagged as domain
      </summary>
      <p className="small muted">
        A DAE phase distils the domain rows from a domain-expert model and the others from a reference model. Flag them from a column at import, by
        task type here, or by hand in the row view (one row, or every row a search finds).
      </p>
      <form
        style={{ display: "grid", gap: "0.5rem" }}
        onSubmit={(e) => {
          e.preventDefault();
          flag.mutate({ id: datasetId, tagResultId, types, replace });
        }}
      >
        <label>
          Task types from
          <select data-testid="domain-tag-pass" value={tagResultId ?? ""} onChange={(e) => setPass(e.target.value || null)}>
            <option value="">hand labels only</option>
            {results.data?.tags.map((t) => (
              <option key={t.id} value={t.id}>
                {t.tagger} · {formatCount(t.rowCount)} rows · {new Date(t.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="row small" style={{ flexWrap: "wrap", border: "none", padding: 0 }} aria-label="Domain task types">
          {TASK_TYPES.map((type) => (
            <label key={type} className="row" style={{ gap: "0.25rem" }}>
              <input
                type="checkbox"
                data-testid={`domain-type-${type}`}
                checked={types.includes(type)}
                onChange={(e) => setTypes(e.target.checked ? [...types, type] : types.filter((t) => t !== type))}
              />
              {type}
            </label>
          ))}
        </fieldset>
        <label className="row small">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} data-testid="domain-replace" />
          unflag every other row (otherwise flags set before stay)
        </label>
        <div className="row">
          <button type="submit" data-testid="domain-flag-types" disabled={types.length === 0 || flag.isPending}>
            Flag rows of these task types as domain
          </button>
          {flag.data && (
            <span className="small" role="status" data-testid="domain-flag-result">
              Now {describeShare(flag.data)} are domain.
            </span>
          )}
        </div>
        {flag.error && (
          <p className="error small" role="alert">
            {flag.error.message}
          </p>
        )}
      </form>
    </details>
  );
}
