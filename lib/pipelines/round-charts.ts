/**
 * The MFD histogram of a pipeline round, split at δ, and its hard share, from the round's MFD values. Pure, so the
 * chart stays thin and this is what the tests check.
 */

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
 * left-open intervals match. (The contract's own bins are centred on the integers, which δ can fall inside.)
 * Non-finite values are left out.
 */
export function mfdBins(values: readonly number[], delta: number, width = 1): MfdBin[] {
  const finite = values.filter((v) => Number.isFinite(v));
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
export function hardShare(values: readonly number[], delta: number): { hard: number; judged: number; share: number | null } {
  let hard = 0;
  let judged = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    judged++;
    if (v > delta) hard++;
  }
  return { hard, judged, share: judged > 0 ? hard / judged : null };
}

/** "12.5%"; "—" for no share. */
export const formatShare = (share: number | null): string => (share == null ? "—" : `${(share * 100).toFixed(1)}%`);
