"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { AnswerPanel } from "~/components/generation/answer-panel";
import { ExpansionSummary } from "~/components/generation/expand-panel";
import { RewritePanel } from "~/components/generation/rewrite-panel";
import { useTRPC } from "~/components/trpc/react";
import { DatasetHeader } from "./dataset-header";
import { DomainPanel } from "./domain-panel";
import { LengthHistograms } from "./length-histograms";
import { RejectedRows } from "./rejected-rows";
import { RowBrowser } from "./row-browser";
import { RowView } from "./row-view";
import styles from "./datasets.module.css";
import { useSearchParam } from "~/components/use-search-param";

/** The dataset page: what the data is made of, its rows (searchable), its rejects, and export/delete. */
export function DatasetView({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const dataset = useQuery({
    ...trpc.datasets.get.queryOptions({ id: datasetId }),
    // An import still running fills the counts in as it goes.
    refetchInterval: (query) => (query.state.data?.status === "importing" ? 2_000 : false),
  });
  const origins = useQuery({ ...trpc.datasets.origins.queryOptions({ id: datasetId }), enabled: dataset.data?.status === "ready" });
  const [rowParam, setRowParam] = useSearchParam("row");
  const selectedIdx = rowParam != null && /^\d+$/.test(rowParam) ? Number(rowParam) : null;

  if (dataset.isPending) return <p className="muted">Loading the dataset…</p>;
  if (dataset.error)
    return (
      <>
        <p className="error" role="alert">{dataset.error.message}</p>
        <Link href="/">Back to the datasets</Link>
      </>
    );
  const d = dataset.data;

  return (
    <>
      <DatasetHeader dataset={d} />
      {d.status === "ready" && (
        <>
          {d.format === "expanded" && <ExpansionSummary datasetId={d.id} />}
          {d.rowCount > 0 && <AnswerPanel datasetId={d.id} />}
          {(origins.data?.withAnswers ?? 0) > 0 && <RewritePanel datasetId={d.id} />}
          <LengthHistograms datasetId={d.id} />
          <DomainPanel datasetId={d.id} />
          <h2>Rows</h2>
          <div className={styles.browseLayout} data-open={selectedIdx != null}>
            <RowBrowser datasetId={d.id} rowCount={d.rowCount} selectedIdx={selectedIdx} onSelect={(idx) => setRowParam(String(idx))} onClose={() => setRowParam(null)} />
            {selectedIdx != null && <RowView datasetId={d.id} idx={selectedIdx} onClose={() => setRowParam(null)} />}
          </div>
          <RejectedRows datasetId={d.id} total={d.rejectedCount} />
        </>
      )}
    </>
  );
}
