"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/react";
import { formatCount } from "~/lib/format";

export function DatasetList() {
  const trpc = useTRPC();
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  if (datasets.isPending) return <p className="muted">Loading datasets…</p>;
  if (datasets.error) return <p className="error">{datasets.error.message}</p>;
  if (datasets.data.length === 0) return <p className="muted">No datasets yet: upload one above.</p>;
  return (
    <div className="panel">
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Rows</th>
            <th>Rejected</th>
            <th>Duplicates</th>
            <th>Format</th>
            <th>Imported</th>
          </tr>
        </thead>
        <tbody>
          {datasets.data.map((d) => (
            <tr key={d.id}>
              <td>
                <Link href={`/datasets/${d.id}`}>{d.name}</Link>
              </td>
              <td>{formatCount(d.rowCount)}</td>
              <td>{formatCount(d.rejectedCount)}</td>
              <td>{formatCount(d.duplicateCount)}</td>
              <td className="small">{d.format}</td>
              <td className="small muted">{new Date(d.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
