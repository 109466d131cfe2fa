import { TASK_RATIOS, TASK_TYPES } from "~/lib/contracts/taxonomy";
import { BadRequest } from "~/lib/errors";

/** Task type → share of the resampled set. Need not sum to 1: it is normalised over the record. */
export type Ratios = Readonly<Record<string, number>>;

export const RATIO_PRESETS = ["tapir", "uniform", "dataset"] as const;
export type RatioPreset = (typeof RATIO_PRESETS)[number];

/** TAPIR's published mix (docs/methods.md, TAPIR §2). */
export function tapirRatios(): Record<string, number> {
  return { ...TASK_RATIOS };
}

/** Equal shares for every type that has at least one row. */
export function uniformRatios(counts: Readonly<Record<string, number>>): Record<string, number> {
  const present = Object.keys(counts).filter((t) => counts[t] > 0);
  return Object.fromEntries(present.map((t) => [t, 1 / present.length]));
}

/** The dataset's own mix: resampling to it only changes the size. */
export function datasetMixRatios(counts: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return {};
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([, c]) => c > 0)
      .map(([t, c]) => [t, c / total]),
  );
}

/**
 * A preset's ratios for the data in `counts`: only types with rows get a ratio, so no target is proposed that
 * the data cannot fill (TAPIR's shares are kept between the types present).
 */
export function presetRatios(preset: RatioPreset, counts: Readonly<Record<string, number>>): Record<string, number> {
  switch (preset) {
    case "tapir":
      return Object.fromEntries(Object.entries(tapirRatios()).filter(([t]) => (counts[t] ?? 0) > 0));
    case "uniform":
      return uniformRatios(counts);
    case "dataset":
      return datasetMixRatios(counts);
  }
}

/** Each ratio divided by their sum; rejects negative, non-finite or all-zero records. */
export function normaliseRatios(ratios: Ratios): Record<string, number> {
  let sum = 0;
  for (const [type, r] of Object.entries(ratios)) {
    if (!Number.isFinite(r) || r < 0) throw new BadRequest(`ratio for "${type}" must be a finite number ≥ 0, got ${r}`);
    sum += r;
  }
  if (sum <= 0) throw new BadRequest("ratios must include at least one type with a ratio above 0");
  return Object.fromEntries(Object.entries(ratios).map(([t, r]) => [t, r / sum]));
}

/** floor(n · ratio); the epsilon keeps float noise in ratio (e.g. 0.017 / 0.9999999999999999) from losing a row. */
export function flooredShare(n: number, ratio: number): number {
  return Math.floor(n * ratio + 1e-9);
}

/**
 * Whole rows per type that add up to exactly `n` (largest-remainder apportionment): each type gets
 * floor(n · ratio), and the rows flooring leaves over go one each to the types with the largest fractional parts
 * (ties: the larger ratio, then the name). Rounding every type down instead loses up to one row per type, which
 * at a small budget over many types is half the set. Types whose share rounds to 0 are left out.
 */
export function apportion(n: number, ratios: Ratios): Record<string, number> {
  const quotas = Object.entries(normaliseRatios(ratios)).map(([type, r]) => {
    const rows = flooredShare(n, r);
    return { type, r, rows, rest: n * r - rows };
  });
  let left = n - quotas.reduce((s, q) => s + q.rows, 0);
  const byRest = [...quotas].sort((a, b) => b.rest - a.rest || b.r - a.r || (a.type < b.type ? -1 : 1));
  for (const q of byRest) {
    if (left <= 0) break;
    q.rows++;
    left--;
  }
  return Object.fromEntries(quotas.filter((q) => q.rows > 0).map((q) => [q.type, q.rows]));
}

/** Task type labels → compact codes (indexes into `typeNames`), for previewCounts/resample. */
export function encodeTypes(labels: readonly string[], typeNames: readonly string[] = TASK_TYPES): Uint8Array {
  if (typeNames.length > 256) throw new Error(`at most 256 task types fit a Uint8Array, got ${typeNames.length}`);
  const codeOf = new Map(typeNames.map((t, i) => [t, i]));
  const codes = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const code = codeOf.get(labels[i]);
    if (code === undefined) throw new Error(`row ${i}: task type "${labels[i]}" is not one of the ${typeNames.length} known types`);
    codes[i] = code;
  }
  return codes;
}

/** Rows per type name, from codes; one pass. */
export function countTypes(codes: ArrayLike<number>, typeNames: readonly string[] = TASK_TYPES): Record<string, number> {
  const counts = new Int32Array(typeNames.length);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (!(code >= 0 && code < typeNames.length)) throw new Error(`row ${i}: task type code ${code} is out of range 0..${typeNames.length - 1}`);
    counts[code]++;
  }
  return Object.fromEntries(typeNames.map((t, i) => [t, counts[i]]));
}
