"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc/react";
import { CategoryChart } from "./category-chart";
import { SuiteTables, type ScoredRow } from "./suite-tables";

/**
 * The compare view's evaluation: every run's student beside the runs' teachers and initial students as
 * baseline rows (each model once), per suite, and the judged suites per category.
 */
export function CompareEvaluations({ runIds }: { runIds: string[] }) {
  const trpc = useTRPC();
  const compared = useQuery(trpc.evaluation.compare.queryOptions({ runIds }));
  if (compared.error) return <p className="error">{compared.error.message}</p>;
  if (!compared.data) return null;
  const rows: ScoredRow[] = [
    ...compared.data.runs.flatMap((r) => (r.evaluation ? [{ key: r.evaluation.id, label: r.name, evaluation: r.evaluation }] : [])),
    ...compared.data.baselines.map((b) => ({ key: b.evaluation.id, label: b.evaluation.modelLabel, evaluation: b.evaluation, baseline: true })),
  ];
  const unevaluated = compared.data.runs.filter((r) => !r.evaluation).map((r) => r.name);
  return (
    <div className="panel" data-testid="compare-evaluation">
      <h2 style={{ marginTop: 0 }}>Evaluation</h2>
      <p className="small muted">
        Each run&apos;s student (its newest finished evaluation), with the teachers and initial students as baselines (greyed).
        {unevaluated.length > 0 && ` Not evaluated yet: ${unevaluated.join(", ")} (evaluate them from their Evaluation tab).`}
      </p>
      <SuiteTables rows={rows} />
      <CategoryChart rows={rows} />
    </div>
  );
}
