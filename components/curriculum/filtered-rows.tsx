"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { memo, useState } from "react";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { useTRPC } from "~/components/trpc/react";
import type { RowFilter } from "./analysis-charts";

const PAGE = 25;

/** Rows matching the chart selection, with a task-type select per row: a hand label wins over the tagger. */
export const FilteredRows = memo(function FilteredRows(props: { datasetId: string; tag: string; score: string | null; filter: RowFilter; onClear: () => void }) {
  const { datasetId, filter } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(0);
  const input = { datasetId, tagResultId: props.tag, scoreResultId: props.score, ...filter, offset, limit: PAGE };
  const rows = useQuery(trpc.curriculum.rows.queryOptions(input));
  const relabel = useMutation(
    trpc.curriculum.setLabel.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.curriculum.rows.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.curriculum.columns.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.curriculum.results.queryKey({ datasetId }) }),
        ]),
    }),
  );
  const what = [
    filter.type && `type = ${filter.type}`,
    filter.min != null && filter.max != null && `difficulty in [${filter.min.toFixed(3)}, ${filter.max.toFixed(3)}]`,
    filter.component && `${filter.component.name} in [${filter.component.min.toFixed(3)}, ${filter.component.max.toFixed(3)}]`,
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <div className="panel" data-testid="filtered-rows">
      <div className="row">
        <h3 style={{ margin: 0 }}>Rows {what ? `where ${what}` : "(all)"}</h3>
        <span className="small muted" data-testid="filtered-total">{rows.data?.total ?? "…"} rows</span>
        {what && <button onClick={() => { setOffset(0); props.onClear(); }}>Clear filter</button>}
      </div>
      {rows.error && <p className="error" role="alert">{rows.error.message}</p>}
      {relabel.error && <p className="error" role="alert">{relabel.error.message}</p>}
      <div className="scroll-x">
        <table className="small">
          <thead>
            <tr>
              <th>#</th>
              <th>Prompt</th>
              <th>Task type</th>
              <th>Tagger</th>
              <th>Difficulty</th>
            </tr>
          </thead>
          <tbody>
            {rows.data?.rows.map((r) => (
              <tr key={r.id} data-testid="filtered-row">
                <td>
                  <a href={`/datasets/${encodeURIComponent(datasetId)}?row=${r.idx}`}>{r.idx + 1}</a>
                </td>
                <td>{r.prompt}</td>
                <td>
                  <select
                    aria-label={`task type of row ${r.idx + 1}`}
                    value={r.handLabel ?? r.tagLabel ?? ""}
                    onChange={(e) => relabel.mutate({ rowId: r.id, label: e.target.value })}
                  >
                    {!(r.handLabel ?? r.tagLabel) && <option value="">—</option>}
                    {TASK_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                  {r.handLabel && <span className="badge" title="set by hand">hand</span>}
                </td>
                <td>{r.tagLabel ? `${r.tagLabel} (${(r.confidence ?? 0).toFixed(2)})` : "—"}</td>
                <td>{r.difficulty?.toFixed(3) ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row">
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
        <button disabled={!rows.data || offset + PAGE >= rows.data.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
      </div>
    </div>
  );
});
