import { bucketSizes, easyToHardOrder } from "~/lib/planning/pocl";

/**
 * The measures a score pass stores per row beside its fused score (row_scores.components, written by
 * trainer/distill/scoring): POCL keeps ROUGE-L and cross-entropy (its score is their reciprocal-rank fusion, a
 * rank, so its histogram is flat by construction); mfd_ce keeps the student's and teacher's cross-entropy, whose
 * gap (MFD) is its difficulty.
 */
export const SCORE_COMPONENTS = {
  rouge_l: { title: "ROUGE-L of the student's answer", unit: "F1, 0–1; lower is harder" },
  ce: { title: "Student cross-entropy on the answer", unit: "nats per token; higher is harder" },
  student_ce: { title: "Student cross-entropy on the answer", unit: "nats per token" },
  teacher_ce: { title: "Teacher cross-entropy on the answer", unit: "nats per token" },
  mfd: { title: "Model fitting difficulty (student − teacher CE)", unit: "nats per token; higher is harder" },
} as const;
export type ComponentName = keyof typeof SCORE_COMPONENTS;
export const COMPONENT_NAMES = Object.keys(SCORE_COMPONENTS) as ComponentName[];

export type ComponentColumns = Partial<Record<ComponentName, (number | null)[]>>;

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * One column per component found in any row (rows without it hold null), in SCORE_COMPONENTS order; MFD is
 * derived where both cross-entropies are stored. Rank columns (rank_rouge_l, rank_ce) are left out: ranks are flat.
 */
export function componentColumns(stored: readonly (string | null)[]): ComponentColumns {
  const parsed = stored.map((json) => {
    if (!json) return {} as Record<string, unknown>;
    try {
      const v: unknown = JSON.parse(json);
      return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  });
  const columns: ComponentColumns = {};
  for (const name of COMPONENT_NAMES) {
    const values = parsed.map((p) => (name === "mfd" ? gap(num(p.student_ce), num(p.teacher_ce)) : num(p[name])));
    if (values.some((v) => v != null)) columns[name] = values;
  }
  return columns;
}

const gap = (s: number | null, t: number | null) => (s != null && t != null ? s - t : null);

/**
 * Each row's bucket (0 = easiest) when the scored rows are split into k buckets as POCL splits them (sorted
 * easy → hard by difficulty, k sizes of floor(n/k), the last taking the rest); -1 for unscored rows. With fewer
 * scored rows than k, every scored row is bucket 0's.
 */
export function assignBuckets(difficulty: readonly (number | null)[], k: number): Int32Array {
  const scores = Float64Array.from(difficulty, (d) => (d == null || !Number.isFinite(d) ? Number.NaN : d));
  const order = easyToHardOrder(scores, "higher_is_harder");
  const scored = difficulty.filter((d) => d != null && Number.isFinite(d)).length;
  const sizes = scored >= k ? bucketSizes(scored, k) : [scored];
  const out = new Int32Array(difficulty.length).fill(-1);
  let at = 0;
  sizes.forEach((size, b) => {
    for (let j = 0; j < size; j++) out[order[at++]!] = b;
  });
  return out;
}

export interface BucketSummary {
  bucket: number;
  size: number;
  min: number;
  max: number;
  /** Positions of the rows closest to the bucket's median difficulty: what a typical row of it looks like. */
  typical: number[];
}

/** Size, difficulty range and `examples` typical rows of every non-empty bucket. */
export function bucketSummaries(difficulty: readonly (number | null)[], buckets: Int32Array, examples = 2): BucketSummary[] {
  const members = new Map<number, number[]>();
  buckets.forEach((b, i) => {
    if (b < 0) return;
    const list = members.get(b) ?? [];
    list.push(i);
    members.set(b, list);
  });
  return [...members]
    .sort(([a], [b]) => a - b)
    .map(([bucket, rows]) => {
      const values = rows.map((i) => difficulty[i]!).sort((a, b) => a - b);
      const median = values[Math.floor((values.length - 1) / 2)]!;
      const typical = [...rows].sort((a, b) => Math.abs(difficulty[a]! - median) - Math.abs(difficulty[b]! - median) || a - b).slice(0, examples);
      return { bucket, size: rows.length, min: values[0]!, max: values[values.length - 1]!, typical };
    });
}
