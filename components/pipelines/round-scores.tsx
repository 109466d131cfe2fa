import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES } from "~/lib/contracts/job";
import type { EvalScores } from "~/lib/contracts/pipeline";
import { formatMetric, metricLabel, orderedMetrics } from "~/lib/evaluation/metrics";

type Row = { label: string; scores: EvalScores | null; reference?: boolean };

/** The round's student's evaluation scores, a table per suite, with the initial student and the teacher beneath. */
export function RoundScores({ round, scores, initial, teacher }: { round: number; scores: EvalScores | null; initial: EvalScores | null; teacher: EvalScores | null }) {
  if (!scores) return <p className="muted small">Round {round}&apos;s student has not been evaluated yet.</p>;
  const rows: Row[] = [
    { label: `round ${round}'s student`, scores },
    { label: "initial student", scores: initial, reference: true },
    { label: "teacher", scores: teacher, reference: true },
  ];
  const suites = EVAL_SUITES.filter((suite) => scores.metrics[suite]);
  return (
    <div data-testid="round-scores">
      {suites.map((suite) => {
        const metrics = orderedMetrics(suite, { metrics: scores.metrics[suite]! });
        return (
          <table key={suite} data-testid={`round-scores-${suite}`} style={{ marginBottom: "0.75rem" }}>
            <thead>
              <tr>
                <th>{SUITE_INFO[suite].label}</th>
                {metrics.map((m) => (
                  <th key={m}>{metricLabel(m)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.label} className={r.reference ? "muted" : undefined}>
                  <td>{r.label}</td>
                  {metrics.map((m) => {
                    const mean = r.scores?.metrics[suite]?.[m];
                    return (
                      <td key={m} className="mono" data-metric={m}>
                        {formatMetric(m, mean == null ? undefined : { mean, std: null, n: 0 })}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </div>
  );
}
