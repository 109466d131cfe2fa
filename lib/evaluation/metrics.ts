import type { EvalMetric } from "~/lib/contracts/evaluation";

/** How the pages name and show each suite's metrics (eval.json's names, lib/contracts/evaluation.ts). */
const METRIC_LABELS: Record<string, string> = {
  rouge_l: "ROUGE-L",
  prompt_strict: "prompt strict",
  prompt_loose: "prompt loose",
  instruction_strict: "instruction strict",
  instruction_loose: "instruction loose",
  score: "score",
  turn_1: "turn 1",
  turn_2: "turn 2",
  ce: "CE (nats/token)",
};

/** Fractions (ROUGE-L, IFEval accuracies) are shown in points, as the papers report them; ratings and CE as they are. */
const IN_POINTS = new Set(["rouge_l", "prompt_strict", "prompt_loose", "instruction_strict", "instruction_loose"]);

/** What a metric's values are multiplied by on the page (100 for fractions, shown in points). */
export const metricScale = (name: string): number => (IN_POINTS.has(name) ? 100 : 1);

export const metricLabel = (name: string): string => METRIC_LABELS[name] ?? name;

/** "23.41 ± 1.02" (a spread over seeds or samples), "23.41" when there is none, "—" when nothing was measured. */
export function formatMetric(name: string, metric: EvalMetric | undefined): string {
  if (!metric || metric.mean == null) return "—";
  const scale = metricScale(name);
  const digits = IN_POINTS.has(name) ? 2 : name === "ce" ? 4 : 2;
  const mean = (metric.mean * scale).toFixed(digits);
  return metric.std == null ? mean : `${mean} ± ${(metric.std * scale).toFixed(digits)}`;
}

/** The metric a comparison leads with for each suite; the others follow in eval.json's order. */
const HEADLINE: Record<string, string> = { selfinst: "rouge_l", ifeval: "prompt_strict", mt_bench: "score", vicuna: "score", heldout: "rouge_l" };

export function orderedMetrics(suite: string, result: { metrics: Readonly<Record<string, unknown>> }): string[] {
  const names = Object.keys(result.metrics);
  const lead = HEADLINE[suite];
  return lead && names.includes(lead) ? [lead, ...names.filter((n) => n !== lead)] : names;
}
