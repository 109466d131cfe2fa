import { z } from "zod";
import { layerPair, type AttentionSpec, type LayerPair } from "~/lib/contracts/job";

/**
 * The attention-map loss as the launch forms hold it (KD + DAE, docs/methods.md): on/off, its weight w in
 * KD = prediction-layer loss + w·attention loss, and the layer map. A null map lets the trainer choose: a
 * layer-pruned student's layers with the teacher layers they were copied from, else one to one.
 */
export const attentionChoice = z.object({
  enabled: z.boolean().default(false),
  weight: z.number().min(0).max(100).default(1),
  layerMap: z.array(layerPair).min(1).max(256).nullable().default(null),
});
export type AttentionChoice = z.infer<typeof attentionChoice>;

/** Said beside the layer map in both launch forms. */
export const HEAD_HANDLING =
  "Heads: equal counts map one to one; otherwise both models' heads are averaged in gcd(teacher heads, student heads) groups of neighbouring heads (the ones that share keys under grouped-query attention), so each KL still compares two distributions over the same keys.";

/** Python's round(): halves go to the even neighbour, so the table shows the layers the trainer picks. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The teacher layers a pruned student keeps (distill.models.evenly_spaced_layers): first and last always. */
export function evenlySpacedLayers(total: number, keep: number): number[] {
  if (keep <= 1) return [0];
  return Array.from({ length: keep }, (_, i) => roundHalfEven((i * (total - 1)) / (keep - 1)));
}

/** The map the trainer uses when the form leaves it empty, where the form can know it (a pruned student). */
export function defaultLayerMap(studentLayers: number | null, teacherLayers: number | null): LayerPair[] | null {
  if (studentLayers === null || teacherLayers === null || studentLayers > teacherLayers) return null;
  return evenlySpacedLayers(teacherLayers, studentLayers).map((teacher, student) => ({ teacher, student }));
}

/** Problems of an explicit map, keyed by the form path they belong beside. */
export function layerMapIssues(map: LayerPair[], studentLayers: number | null, teacherLayers: number | null): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const seen = new Set<number>();
  map.forEach((pair, i) => {
    if (studentLayers !== null && pair.student >= studentLayers) {
      issues.push({ path: [i, "student"], message: `student layer ${pair.student} does not exist: the student has ${studentLayers} layers (0–${studentLayers - 1})` });
    }
    if (teacherLayers !== null && pair.teacher >= teacherLayers) {
      issues.push({ path: [i, "teacher"], message: `teacher layer ${pair.teacher} does not exist: the teacher has ${teacherLayers} layers (0–${teacherLayers - 1})` });
    }
    if (seen.has(pair.student)) issues.push({ path: [i, "student"], message: `student layer ${pair.student} is mapped twice; each learns from one teacher layer` });
    seen.add(pair.student);
  });
  return issues;
}

/** job.json's `attention` block. */
export function attentionSpec(choice: AttentionChoice): AttentionSpec {
  return {
    enabled: choice.enabled,
    weight: choice.weight,
    ...(choice.layerMap ? { layer_map: choice.layerMap } : {}),
    chunk_size: 128,
  };
}
