import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { type Ratios, apportion, encodeTypes } from "./ratios";
import { resample } from "./resample";

/**
 * A pipeline round's set from the seed pool (docs/pipelines.md, TAPIR §3 and §6), before the teacher expands it.
 *
 * Each task type's target is budget · ratio rounded so that the targets add up to the budget (apportion: largest
 * remainder; the curriculum designer's resampling rounds each type down, which at a pipeline's small budgets over
 * many types leaves much of the budget unused). A type with at least as many seed rows
 * as its target gets them by the studio's resampling with the hard split: round(α · target) rows with MFD > δ
 * first (fewer when it has fewer hard rows, more when its other rows run short), the rest from its other rows,
 * never a row twice. A type with fewer rows than its target gives all of them, and the expansion is asked for
 * the rest: a pipeline grows a short type with new instructions instead of repeating its rows. Round 1 has no
 * MFD: `alpha` null, a plain resampling.
 */
export interface RoundSelectionInput {
  /** Task type per seed row (names, or codes into typeNames). */
  types: ArrayLike<number> | readonly string[];
  typeNames?: readonly string[];
  /** MFD per seed row from the previous round's score step; NaN: not scored (never hard). Null in round 1. */
  mfd: ArrayLike<number> | null;
  budget: number;
  ratios: Ratios;
  delta: number;
  /** α_r; null: no hard split (round 1). */
  alpha: number | null;
  seed: number;
}

export interface RoundTypeSelection {
  type: string;
  target: number;
  /** Seed rows selected for the type. */
  selected: number;
  /** Of `selected`, rows with MFD > δ. */
  hard: number;
  /** Rows the expansion must add: target − selected. */
  toExpand: number;
}

export interface RoundSelection {
  /** Seed row positions, each at most once, ascending. */
  indices: Int32Array;
  /** Every type with a target above 0, or with rows selected, in taxonomy order. */
  types: RoundTypeSelection[];
  /** Σ toExpand. */
  toExpand: number;
  /** Hard rows among the selected seed rows, as a share of them (null when none is selected or in round 1). */
  hardShare: number | null;
}

export function selectRound(input: RoundSelectionInput): RoundSelection {
  const typeNames = input.typeNames ?? TASK_TYPES;
  const codes = input.types.length > 0 && typeof input.types[0] === "string" ? encodeTypes(input.types as readonly string[], typeNames) : (input.types as ArrayLike<number>);
  const split = input.alpha != null && input.mfd != null;
  const { indices, counts } = resample({
    types: codes,
    typeNames,
    difficulty: input.mfd,
    n: input.budget,
    // Whole targets as ratios: the resampling's floor(budget · target / budget) is each target again.
    ratios: apportion(input.budget, input.ratios),
    threshold: split ? input.delta : null,
    hardShare: split ? input.alpha : null,
    seed: input.seed,
  });
  const short = new Set<number>();
  counts.types.forEach((t, code) => {
    if (code < typeNames.length && t.selected > t.available) short.add(code);
  });
  const chosen = new Uint8Array(codes.length);
  for (const i of indices) if (!short.has(codes[i])) chosen[i] = 1;
  for (let i = 0; i < codes.length; i++) if (short.has(codes[i]) && counts.types[codes[i]].target > 0) chosen[i] = 1;

  const isHard = (i: number) => split && (input.mfd as ArrayLike<number>)[i] > input.delta;
  const selected = new Int32Array(typeNames.length);
  const hard = new Int32Array(typeNames.length);
  const out: number[] = [];
  for (let i = 0; i < codes.length; i++) {
    if (!chosen[i]) continue;
    out.push(i);
    selected[codes[i]]++;
    if (isHard(i)) hard[codes[i]]++;
  }
  const types = counts.types
    .map((t, code): RoundTypeSelection => {
      const sel = code < typeNames.length ? selected[code] : 0;
      return { type: t.type, target: t.target, selected: sel, hard: code < typeNames.length ? hard[code] : 0, toExpand: Math.max(0, t.target - sel) };
    })
    .filter((t) => t.target > 0 || t.selected > 0);
  const hardTotal = types.reduce((s, t) => s + t.hard, 0);
  return {
    indices: Int32Array.from(out),
    types,
    toExpand: types.reduce((s, t) => s + t.toExpand, 0),
    hardShare: split && out.length > 0 ? hardTotal / out.length : null,
  };
}

/** MFD lies in [−9, 9] (two 1–10 ratings): bins of width 1 centred on each integer. */
export const MFD_BINS = Array.from({ length: 19 }, (_, i) => i - 9);

/** The MFD histogram: 19 bins [k − ½, k + ½) for k = −9 … 9; NaN values are left out. */
export function mfdHistogram(values: ArrayLike<number>): { lo: number; hi: number; count: number }[] {
  const counts = new Array<number>(MFD_BINS.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const bin = Math.min(MFD_BINS.length - 1, Math.max(0, Math.floor(v + 0.5) + 9));
    counts[bin]++;
  }
  return MFD_BINS.map((k, i) => ({ lo: k - 0.5, hi: k + 0.5, count: counts[i] }));
}
