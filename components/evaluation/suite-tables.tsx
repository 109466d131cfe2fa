import type { RouterOutputs } from "~/components/trpc/types";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES } from "~/lib/contracts/job";
import { formatMetric, metricLabel, orderedMetrics } from "~/lib/evaluation/metrics";

export type Evaluation = RouterOutputs["evaluation"]["get"];
/** One row of a comparison: a model's evaluation under the name the table gives it. */
export type ScoredRow = { key: string; label: string; evaluation: Evaluation; baseline?: boolean };

/**
 * One table per suite, a row per model, a column per metric as "mean ± std" (the spread over SelfInst's seeds, or
 * over the judged turns and checked prompts), and the judgments that could not be parsed.
 */
export function SuiteTables({ rows }: { rows: ScoredRow[] }) {
  const suites = EVAL_SUITES.filter((suite) => rows.some((r) => r.evaluation.suites[suite]));
  if (suites.length === 0) return <p className="muted small">No evaluation has finished yet.</p>;
  return (
    <>
      {suites.map((suite) => {
        const withSuite = rows.filter((r) => r.evaluation.suites[suite]);
        const metrics = [...new Set(withSuite.flatMap((r) => orderedMetrics(suite, r.evaluation.suites[suite]!)))];
        const unparsed = withSuite.some((r) => r.evaluation.suites[suite]!.unparsed);
        return (
          <div key={suite} style={{ marginBottom: "1rem" }}>
            <h3 style={{ marginBottom: 4 }}>{SUITE_INFO[suite].label}</h3>
            {SUITE_INFO[suite].note && <p className="muted small">{SUITE_INFO[suite].note}</p>}
            <table data-testid={`suite-table-${suite}`}>
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Items</th>
                  {metrics.map((m) => (
                    <th key={m}>{metricLabel(m)}</th>
                  ))}
                  {unparsed && <th>Unparsed judgments</th>}
                </tr>
              </thead>
              <tbody>
                {withSuite.map((r) => {
                  const result = r.evaluation.suites[suite]!;
                  return (
                    <tr key={r.key} data-testid="suite-row" data-model={r.label} className={r.baseline ? "muted" : undefined}>
                      <td>{r.label}</td>
                      <td>{result.items}</td>
                      {metrics.map((m) => (
                        <td key={m} className="mono" data-metric={m}>
                          {formatMetric(m, result.metrics[m])}
                        </td>
                      ))}
                      {unparsed && <td>{result.unparsed ?? 0}</td>}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}
