"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";

const PAGE_SIZE = 25;

/** The records the import refused, each with the reason and where it was in the upload; downloadable in full. */
export function RejectedRows({ datasetId, total }: { datasetId: string; total: number }) {
  const trpc = useTRPC();
  const [page, setPage] = useState(0);
  const rejected = useQuery({
    ...trpc.datasets.rejected.queryOptions({ id: datasetId, offset: page * PAGE_SIZE, limit: PAGE_SIZE }),
    enabled: total > 0,
    placeholderData: keepPreviousData,
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <section data-testid="rejected-rows">
      <h2>Rejected rows ({formatCount(total)})</h2>
      {total === 0 ? (
        <p className="muted">Every record of the upload was imported.</p>
      ) : (
        <div className="panel">
          <div className="row" style={{ justifyContent: "space-between", marginBottom: "0.5rem" }}>
            <a className="button" href={`/api/datasets/${encodeURIComponent(datasetId)}/rejected`} download>
              Download rejected rows (JSONL)
            </a>
            <div className="row small">
              <button disabled={page === 0} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <span className="muted">
                page {page + 1} of {formatCount(pages)}
              </span>
              <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
                Next
              </button>
            </div>
          </div>
          {rejected.error && <p className="error" role="alert">{rejected.error.message}</p>}
          {rejected.isPending ? (
            <p className="muted">Loading the rejected rows…</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Where</th>
                  <th>Reason</th>
                  <th>Record</th>
                </tr>
              </thead>
              <tbody>
                {rejected.data?.rows.map((r, i) => (
                  <tr key={page * PAGE_SIZE + i}>
                    <td className="mono" data-testid="rejected-where">{r.where}</td>
                    <td>{r.reason}</td>
                    <td>
                      <pre style={{ maxHeight: "6rem", overflow: "auto" }}>{r.raw}</pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
