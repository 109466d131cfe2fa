/** Equal-width bins over the finite values (NaN/null skipped); what the difficulty charts draw. */
export interface Bin {
  start: number;
  end: number;
  count: number;
}

export function binValues(values: readonly (number | null)[], bins = 20): Bin[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v == null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: hi > lo ? bins : 1 }, (_, i) => ({ start: lo + i * width, end: lo + (i + 1) * width, count: 0 }));
  for (const v of values) {
    if (v == null || !Number.isFinite(v)) continue;
    out[Math.min(out.length - 1, Math.floor((v - lo) / width))]!.count++;
  }
  return out;
}

/** Quartiles (linear interpolation) of the finite values; null when there are none. */
export function quartiles(values: readonly (number | null)[]): [number, number, number, number, number] | null {
  const xs = values.filter((v): v is number => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const at = (q: number) => {
    const pos = (xs.length - 1) * q;
    const i = Math.floor(pos);
    return xs[i]! + (xs[Math.min(i + 1, xs.length - 1)]! - xs[i]!) * (pos - i);
  };
  return [xs[0]!, at(0.25), at(0.5), at(0.75), xs[xs.length - 1]!];
}
