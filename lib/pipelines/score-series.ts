import type { EvalScores } from "~/lib/contracts/pipeline";
import { EVAL_SUITES, type EvalSuiteName } from "~/lib/contracts/job";
import { metricScale, orderedMetrics } from "~/lib/evaluation/metrics";

type Metrics = EvalScores["metrics"];

/** One evaluation score across a pipeline's rounds, in the page's units, with the two reference models' values. */
export type ScoreSeries = {
  suite: EvalSuiteName;
  metric: string;
  /** A round without this score (not evaluated yet, or its evaluation failed) is left out, not drawn at 0. */
  points: { round: number; value: number }[];
  initial: number | null;
  teacher: number | null;
};

const valueOf = (scores: Metrics | null | undefined, suite: EvalSuiteName, metric: string): number | null => {
  const mean = scores?.[suite]?.[metric];
  return mean == null ? null : mean * metricScale(metric);
};

/**
 * Every (suite, metric) that a round or a reference model has, in the suites' order and each suite's headline
 * metric first: the series the page charts across rounds, the initial student and the teacher as reference lines.
 */
export function scoreSeries(rounds: readonly { round: number; scores: Metrics | null }[], references: { initial: Metrics | null; teacher: Metrics | null }): ScoreSeries[] {
  const all = [...rounds.map((r) => r.scores), references.initial, references.teacher];
  const out: ScoreSeries[] = [];
  for (const suite of EVAL_SUITES) {
    const results = all.flatMap((s) => (s?.[suite] ? [s[suite]] : []));
    if (results.length === 0) continue;
    for (const metric of new Set(results.flatMap((metrics) => orderedMetrics(suite, { metrics })))) {
      out.push({
        suite,
        metric,
        points: rounds.flatMap((r) => {
          const value = valueOf(r.scores, suite, metric);
          return value == null ? [] : [{ round: r.round, value }];
        }),
        initial: valueOf(references.initial, suite, metric),
        teacher: valueOf(references.teacher, suite, metric),
      });
    }
  }
  return out;
}
