/**
 * What a pipeline page draws for one round, from plain numbers: the task mix against the target ratios, the MFD
 * histogram split at δ, and the hard share. Pure, so the charts stay thin and this is what the tests check.
 */

export type MixRow = {
  type: string;
  rows: number;
  /** The type's share of the round's set (0 when the set is empty). */
  share: number;
  /** The target ratio, normalised over the ratios given (0 for a type the target leaves out). */
  target: number;
};

/**
 * Every type that has rows or a target, largest target first, then most rows, then by name, so the rows line up
 * across rounds of one pipeline (the targets do not change between rounds).
 */
export function mixAgainstTarget(counts: Readonly<Record<string, number>>, ratios: Readonly<Record<string, number>>): MixRow[] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const ratioSum = Object.values(ratios).reduce((a, b) => a + b, 0);
  const types = new Set([...Object.keys(counts).filter((t) => (counts[t] ?? 0) > 0), ...Object.keys(ratios).filter((t) => (ratios[t] ?? 0) > 0)]);
  return [...types]
    .map((type) => ({
      type,
      rows: counts[type] ?? 0,
      share: total > 0 ? (counts[type] ?? 0) / total : 0,
      target: ratioSum > 0 ? (ratios[type] ?? 0) / ratioSum : 0,
    }))
    .sort((a, b) => b.target - a.target || b.rows - a.rows || a.type.localeCompare(b.type));
}

export type MfdBin = {
  /** The bin holds start < MFD ≤ end. */
  start: number;
  end: number;
  count: number;
  /** Every MFD in it is above δ. */
  hard: boolean;
};

/**
 * MFD (teacher's judged score − student's, TAPIR §1) in bins of `width` whose edges fall on δ + k·width, so δ is a
 * bin edge and every bin is wholly easy or wholly hard: a prompt is hard when its MFD is above δ, which the bins'
 * left-open intervals match. Non-finite values (an unparsed judgment) are left out.
 */
export function mfdBins(values: readonly (number | null)[], delta: number, width = 1): MfdBin[] {
  const finite = values.filter((v): v is number => v != null && Number.isFinite(v));
  if (finite.length === 0) return [];
  // k such that δ + (k − 1)·width < v ≤ δ + k·width
  const slot = (v: number) => Math.ceil((v - delta) / width);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    const k = slot(v);
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  const bins = Array.from({ length: hi - lo + 1 }, (_, i) => {
    const k = lo + i;
    return { start: delta + (k - 1) * width, end: delta + k * width, count: 0, hard: k > 0 };
  });
  for (const v of finite) bins[slot(v) - lo]!.count++;
  return bins;
}

/** Prompts with MFD above δ, and their share of the judged ones (null when none was judged). */
export function hardShare(values: readonly (number | null)[], delta: number): { hard: number; judged: number; share: number | null } {
  let hard = 0;
  let judged = 0;
  for (const v of values) {
    if (v == null || !Number.isFinite(v)) continue;
    judged++;
    if (v > delta) hard++;
  }
  return { hard, judged, share: judged > 0 ? hard / judged : null };
}

/** "12.5%"; "—" for no share. */
export const formatShare = (share: number | null): string => (share == null ? "—" : `${(share * 100).toFixed(1)}%`);
