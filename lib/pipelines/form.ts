import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { pipelineSettings, type PipelineSettings, type PipelineTeacher } from "~/lib/contracts/pipeline";

/**
 * The pipeline form's state before the user touches it: every setting at its contract default, the embedded
 * endpoint as the teacher's and the judge's (so the judge answers with its rating alone: withJudge), and the seed
 * pool given in the URL (or none chosen yet).
 */
export function initialPipelineForm(seedDatasetId: string | null): PipelineSettings {
  const filled = pipelineSettings.parse({
    seedDatasetId: "placeholder",
    teacher: { kind: "local", endpointId: EMBEDDED_ENDPOINT_ID },
    judgeEndpointId: EMBEDDED_ENDPOINT_ID,
  });
  return withJudge({ ...filled, seedDatasetId: seedDatasetId ?? "" }, EMBEDDED_ENDPOINT_ID);
}

/**
 * Choosing the judge: the embedded 135M model gives no rating in MT-Bench's explained form, so it answers with the
 * rating alone (its llama.cpp server reads the grammar); any other endpoint gets MT-Bench's form back, since a
 * server other than llama.cpp refuses or ignores the grammar. The user may change it afterwards. (The grammar ends
 * the answer after the rating, so the judge's max tokens need not change.)
 */
export function withJudge(form: PipelineSettings, judgeEndpointId: string): PipelineSettings {
  const judgeFormat = judgeEndpointId === EMBEDDED_ENDPOINT_ID ? "rating" : "explained";
  return { ...form, judgeEndpointId, scoring: { ...form.scoring, judgeFormat } };
}

/** The form's errors by field path ("training.kdWeight"), each the contract's sentence; {} when it can be sent. */
export function pipelineFormErrors(form: PipelineSettings): Record<string, string> {
  const parsed = pipelineSettings.safeParse(form);
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[issue.path.join(".")] ??= issue.message;
  return errors;
}

/**
 * Switching the teacher's kind: an endpoint teacher gives answers, not logits, so its student learns them by
 * cross-entropy alone (KD weight 0); back to a local model, the KD weight returns to the default.
 */
export function withTeacherKind(form: PipelineSettings, kind: PipelineTeacher["kind"]): PipelineSettings {
  if (form.teacher.kind === kind) return form;
  const endpointId = form.teacher.endpointId;
  const defaults = initialPipelineForm(null);
  return kind === "endpoint"
    ? { ...form, teacher: { kind, endpointId }, training: { ...form.training, kdWeight: 0 } }
    : { ...form, teacher: { kind, endpointId, model: { source: "embedded" } }, training: { ...form.training, kdWeight: defaults.training.kdWeight } };
}

/** The ratios to send: null (TAPIR's published mix, the contract's default) when they equal it. */
export function ratiosToSend(ratios: Readonly<Record<string, number>>, tapir: Readonly<Record<string, number>>): Record<string, number> | null {
  const keys = new Set([...Object.keys(ratios), ...Object.keys(tapir)]);
  for (const k of keys) if ((ratios[k] ?? 0) !== (tapir[k] ?? 0)) return { ...ratios };
  return null;
}
