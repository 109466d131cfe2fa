import type { ModelRef } from "~/lib/contracts/job";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import type { PipelineSettings } from "~/lib/contracts/pipeline";
import type { StudentChoice } from "~/lib/runs/form";

/** An endpoint id as the page says it, given the user's endpoints' names. */
export const endpointName = (id: string, names: ReadonlyMap<string, string>): string => (id === EMBEDDED_ENDPOINT_ID ? "the embedded endpoint" : (names.get(id) ?? `endpoint ${id}`));

/** A teacher or student model in a few words. */
export function modelName(model: ModelRef | StudentChoice): string {
  switch (model.source) {
    case "embedded":
      return "embedded SmolLM2-135M-Instruct";
    case "pruned":
      return `the teacher pruned to ${model.num_layers} layers`;
    default:
      return model.path;
  }
}

/** The pipeline's settings as the page's summary line. */
export function describeSettings(s: PipelineSettings, names: ReadonlyMap<string, string>): string {
  const teacher =
    s.teacher.kind === "local"
      ? `teacher ${modelName(s.teacher.model)} (white-box KD; ${endpointName(s.teacher.endpointId, names)} expands and rewrites)`
      : `teacher ${endpointName(s.teacher.endpointId, names)} (black-box: its answers by cross-entropy)`;
  return [
    teacher,
    `judge ${endpointName(s.judgeEndpointId, names)}`,
    `student ${modelName(s.student)}`,
    `${s.rounds} rounds`,
    `δ ${s.delta}`,
    `α₁ ${s.alpha1} + ${s.alphaGrowth}/round`,
    `budget ${s.budget} rows`,
    s.rewrite ? "rewrite on" : "rewrite off",
  ].join(" · ");
}
