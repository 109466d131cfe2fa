"use client";

import { useSearchParam } from "~/components/use-search-param";
import type { RouterOutputs } from "~/components/trpc/types";

type Run = RouterOutputs["runs"]["list"][number];
const KEYS = ["dataset", "status", "loss"] as const;

/** Dataset, status and loss filters, kept in the URL (?dataset=&status=&loss=) so a filtered list can be shared. */
export function useRunFilters() {
  const dataset = useSearchParam("dataset");
  const status = useSearchParam("status");
  const loss = useSearchParam("loss");
  const params = { dataset, status, loss };
  const matches = (r: Run) =>
    (!dataset[0] || r.datasetId === dataset[0]) && (!status[0] || r.status === status[0]) && (!loss[0] || r.loss === loss[0]);
  return { params, matches };
}

const unique = (values: [string, string][]) => [...new Map(values).entries()].sort((a, b) => a[1].localeCompare(b[1]));

export function RunFilters({ runs, params }: { runs: Run[]; params: ReturnType<typeof useRunFilters>["params"] }) {
  const options = {
    dataset: unique(runs.filter((r) => r.datasetId).map((r) => [r.datasetId!, r.datasetName ?? r.datasetId!])),
    status: unique(runs.map((r) => [r.status, r.status])),
    loss: unique(runs.map((r) => [r.loss, r.loss])),
  };
  return (
    <div className="row" data-testid="run-filters">
      {KEYS.map((key) => {
        const [value, set] = params[key];
        return (
          <label key={key} style={{ flexDirection: "row", alignItems: "center", gap: "0.5rem" }}>
            {key}
            <select data-testid={`filter-${key}`} value={value ?? ""} onChange={(e) => set(e.target.value || null)}>
              <option value="">any</option>
              {options[key].map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
              {value && !options[key].some(([v]) => v === value) && <option value={value}>{value}</option>}
            </select>
          </label>
        );
      })}
    </div>
  );
}
