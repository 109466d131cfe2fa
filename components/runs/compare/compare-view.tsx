"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { CompareEvaluations } from "~/components/evaluation/compare-evaluations";
import { useTRPC } from "~/components/trpc/react";
import { CompareChart } from "./compare-chart";
import { curriculumLabel } from "./curriculum-cell";
import { FinalMetricsTable } from "./final-metrics-table";
import { SettingsTable } from "./settings-table";

/** Runs side by side; the list of ids lives in the URL so a comparison can be shared. */
export function CompareView({ ids }: { ids: string[] }) {
  const trpc = useTRPC();
  const compared = useQuery(trpc.runs.compare.queryOptions({ ids }, { enabled: ids.length >= 2 }));
  const metrics = useQueries({ queries: ids.map((id) => trpc.jobs.metrics.queryOptions({ id })) });
  if (ids.length < 2) return <p className="muted">Pick two or more runs on the <Link href="/runs">runs list</Link> to compare them.</p>;
  if (compared.error) return <p className="error">{compared.error.message}</p>;
  if (!compared.data) return <p className="muted">Loading runs…</p>;
  const runs = compared.data;
  return (
    <>
      <CompareChart runs={runs.map((r, i) => ({ id: r.id, name: r.name, evals: r.evals, metrics: metrics[i]?.data ?? [] }))} />
      <FinalMetricsTable runs={runs} />
      <CompareEvaluations runIds={ids} />
      <SettingsTable
        runs={runs.map((r) => ({ id: r.id, name: r.name, settings: { ...r.spec, plan_source: r.planSource, dataset: r.datasetName ?? r.datasetId, curriculum: curriculumLabel(r.curriculum) } }))}
      />
      {new Set(runs.map((r) => curriculumLabel(r.curriculum))).size > 1 && (
        <p className="small">
          The runs&apos; curricula differ:{" "}
          <Link data-testid="curriculum-diff-link" href={`/runs/compare/curriculum?ids=${ids.join(",")}`}>
            see which curriculum settings differ
          </Link>
          .
        </p>
      )}
    </>
  );
}
