import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { type Ratios, encodeTypes, flooredShare, normaliseRatios } from "./ratios";
import { type Rng, createRng, partialShuffle, shuffle } from "./rng";
import { BadRequest } from "~/lib/errors";

/**
 * TAPIR task-aware resampling (docs/methods.md, TAPIR §3), with an optional hard-sample share.
 *
 * Targets: ratios are normalised over the given record; target_c = floor(N · ratio_c). The rows lost to
 * flooring (fewer than the number of types with a ratio) are not handed out again, as in the released code.
 * A type with a ratio above 0 but no rows is flagged (`missing`); its target is NOT redistributed over the
 * other types, so the set comes out smaller than N and the shortfall is visible instead of silently changing
 * every other type's share. Types with ratio 0, or absent from the record, are dropped.
 *
 * Within a type ("pool" = the rows drawn from): a pool with at least as many rows as it must give is
 * subsampled without replacement; a pool with fewer gives every row floor(take / available) times plus a
 * remainder drawn without replacement. Without α the type is one pool.
 *
 * With α (hardShare) and δ (threshold): the type splits into a hard pool (difficulty > δ) and an other pool
 * (the rest, unscored rows included). The hard pool is asked for round(α · target_c), the other pool for
 * the rest. Fallback, in this order:
 *   1. a pool with no rows gives its whole share to the other pool;
 *   2. when the type has at least target_c rows, a pool that runs short gives its deficit to the other pool,
 *      so no row is repeated while distinct rows are left (the hard take is clamped to
 *      [target_c − other available, hard available]);
 *   3. when the type itself is short of target_c, the α split stands and each pool repeats on its own.
 */

export interface ResampleInput {
  /**
   * Task type per row: a code (index into `typeNames`), or its name. Pass codes (encodeTypes, once) when
   * previewing on every slider move; names are encoded on each call.
   */
  types: ArrayLike<number> | readonly string[];
  /** Names of the codes; defaults to the 32 TAPIR task types. */
  typeNames?: readonly string[];
  /** Per-row difficulty, higher is harder; NaN = unscored (never hard). Same length as `types`. */
  difficulty?: ArrayLike<number> | null;
  /** Target number of rows, N. */
  n: number;
  ratios: Ratios;
  /** δ: a row is hard when its difficulty is above δ. */
  threshold?: number | null;
  /** α: the share of each type's target to draw from its hard rows; null/undefined = no split. */
  hardShare?: number | null;
}

export type PoolName = "all" | "hard" | "other";

/** One pool's draw: take = repeats · available + remainder. */
export interface PoolCounts {
  pool: PoolName;
  available: number;
  take: number;
  /** Times every row of the pool is taken in full (0: subsampled). */
  repeats: number;
  /** Rows drawn without replacement on top of the full repeats. */
  remainder: number;
}

export interface TypeCounts {
  type: string;
  /** Normalised ratio (0 when absent from the record). */
  ratio: number;
  available: number;
  /** Rows with difficulty > δ (0 without δ or difficulty). */
  hardAvailable: number;
  /** Rows with no difficulty (NaN). */
  unscored: number;
  /** floor(N · ratio). */
  target: number;
  /** Rows this type contributes: target, or 0 when flagged. */
  selected: number;
  /** Of `selected`, drawn from the hard pool (0 without α). */
  selectedHard: number;
  /** The most full copies any row of this type gets (0: subsampled). */
  repeats: number;
  /** Ratio above 0 but no rows: its target is left out, not redistributed. */
  flagged: boolean;
  /** [all] without α, [hard, other] with it. */
  pools: PoolCounts[];
}

export interface ResampleCounts {
  n: number;
  /** Σ target (≤ N; N minus this is what flooring lost). */
  targetTotal: number;
  /** Σ selected: the size of the resampled set. */
  selectedTotal: number;
  /** Types flagged (ratio > 0, no rows). */
  missing: string[];
  /** Σ target of the flagged types. */
  missingTarget: number;
  /** Every type of `typeNames`, then any other ratio keys. */
  types: TypeCounts[];
}

interface Tally {
  typeNames: readonly string[];
  codes: ArrayLike<number>;
  counts: Int32Array;
  hard: Int32Array;
  unscored: Int32Array;
  threshold: number;
  split: boolean;
}

function validate(input: ResampleInput): void {
  const { n, types, difficulty, threshold, hardShare } = input;
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`n (target rows) must be an integer ≥ 0, got ${n}`);
  if (difficulty && difficulty.length !== types.length)
    throw new Error(`difficulty has ${difficulty.length} values for ${types.length} rows`);
  if (threshold != null && !Number.isFinite(threshold)) throw new BadRequest(`threshold δ must be finite, got ${threshold}`);
  if (hardShare != null) {
    if (!(hardShare >= 0 && hardShare <= 1)) throw new BadRequest(`hard share α must be in [0, 1], got ${hardShare}`);
    if (threshold == null) throw new BadRequest("hard share α needs a difficulty threshold δ");
    if (!difficulty) throw new BadRequest("hard share α needs per-row difficulty");
  }
}

const isNames = (types: ResampleInput["types"]): types is readonly string[] =>
  types.length > 0 && typeof types[0] === "string";

/** One pass over the rows: counts per type, hard rows and unscored rows. */
function tally(input: ResampleInput): Tally {
  validate(input);
  const typeNames = input.typeNames ?? TASK_TYPES;
  const k = typeNames.length;
  const types = isNames(input.types) ? encodeTypes(input.types, typeNames) : input.types;
  const { difficulty } = input;
  // Without difficulty no row is hard, whatever δ says.
  const threshold = difficulty && input.threshold != null ? input.threshold : Number.POSITIVE_INFINITY;
  // One increment per row into (type, hard | unscored | other) cells keeps the slider-drag pass short.
  const cells = new Int32Array(3 * k);
  for (let i = 0; i < types.length; i++) {
    const c = types[i];
    if (!(c >= 0 && c < k && c === (c | 0))) throw new Error(`row ${i}: task type code ${c} is not an integer in 0..${k - 1}`);
    const d = difficulty ? difficulty[i] : 0;
    cells[3 * c + (d > threshold ? 0 : d !== d ? 1 : 2)]++;
  }
  const hard = new Int32Array(k);
  const unscored = new Int32Array(k);
  const counts = new Int32Array(k);
  for (let c = 0; c < k; c++) {
    hard[c] = cells[3 * c];
    unscored[c] = cells[3 * c + 1];
    counts[c] = hard[c] + unscored[c] + cells[3 * c + 2];
  }
  return { typeNames, codes: types, counts, hard, unscored, threshold, split: input.hardShare != null };
}

function poolCounts(pool: PoolName, available: number, take: number): PoolCounts {
  if (available === 0) return { pool, available, take: 0, repeats: 0, remainder: 0 };
  const repeats = Math.floor(take / available);
  return { pool, available, take, repeats, remainder: take - repeats * available };
}

/** How many of `target` come from the hard pool (rules 1–3 in the header). */
function hardTake(target: number, hardAvailable: number, otherAvailable: number, alpha: number): number {
  if (hardAvailable === 0) return 0;
  if (otherAvailable === 0) return target;
  const wanted = Math.round(alpha * target);
  if (hardAvailable + otherAvailable < target) return wanted;
  return Math.min(Math.max(wanted, target - otherAvailable), hardAvailable);
}

function countsFromTally(input: ResampleInput, t: Tally): ResampleCounts {
  const ratios = normaliseRatios(input.ratios);
  const names = [...t.typeNames, ...Object.keys(ratios).filter((name) => !t.typeNames.includes(name))];
  const types = names.map((type, code): TypeCounts => {
    const known = code < t.typeNames.length;
    const available = known ? t.counts[code] : 0;
    const hardAvailable = known ? t.hard[code] : 0;
    const ratio = ratios[type] ?? 0;
    const target = flooredShare(input.n, ratio);
    const flagged = ratio > 0 && available === 0;
    const selected = flagged ? 0 : target;
    let pools: PoolCounts[];
    if (t.split) {
      const fromHard = hardTake(selected, hardAvailable, available - hardAvailable, input.hardShare as number);
      pools = [poolCounts("hard", hardAvailable, fromHard), poolCounts("other", available - hardAvailable, selected - fromHard)];
    } else {
      pools = [poolCounts("all", available, selected)];
    }
    return {
      type,
      ratio,
      available,
      hardAvailable,
      unscored: known ? t.unscored[code] : 0,
      target,
      selected,
      selectedHard: t.split ? pools[0].take : 0,
      repeats: Math.max(...pools.map((p) => p.repeats)),
      flagged,
      pools,
    };
  });
  const flagged = types.filter((c) => c.flagged);
  return {
    n: input.n,
    targetTotal: types.reduce((s, c) => s + c.target, 0),
    selectedTotal: types.reduce((s, c) => s + c.selected, 0),
    missing: flagged.map((c) => c.type),
    missingTarget: flagged.reduce((s, c) => s + c.target, 0),
    types,
  };
}

/** Above this many copies of a type's rows on average, the designer warns that the type is repeated. */
export const REPEAT_WARNING_FACTOR = 3;

export interface RepeatWarning {
  type: string;
  available: number;
  selected: number;
  /** selected / available: how many times each row of the type is used on average. */
  factor: number;
}

/** Types whose rows would be used more than `limit` times each on average, most repeated first. */
export function overRepeated(counts: ResampleCounts, limit = REPEAT_WARNING_FACTOR): RepeatWarning[] {
  return counts.types
    .filter((t) => t.available > 0 && t.selected > limit * t.available)
    .map((t) => ({ type: t.type, available: t.available, selected: t.selected, factor: t.selected / t.available }))
    .sort((a, b) => b.factor - a.factor);
}

/** The resampling's numbers from counts alone (one pass over the rows): what the sliders show. */
export function previewCounts(input: ResampleInput): ResampleCounts {
  return countsFromTally(input, tally(input));
}

export interface ResampleResult {
  /** Row positions (indexes into `types`), repeats included, in seeded random order. */
  indices: Int32Array;
  /** The same numbers previewCounts gives for this input. */
  counts: ResampleCounts;
}

/** Row positions grouped by pool (counting sort): pool p's rows lie at offsets[p] .. offsets[p + 1]. */
function groupByPool(input: ResampleInput, t: Tally): { rows: Int32Array; offsets: Int32Array } {
  const k = t.typeNames.length;
  const poolsPerType = t.split ? 2 : 1;
  const sizes = new Int32Array(k * poolsPerType);
  for (let c = 0; c < k; c++) {
    if (t.split) {
      sizes[2 * c] = t.hard[c];
      sizes[2 * c + 1] = t.counts[c] - t.hard[c];
    } else sizes[c] = t.counts[c];
  }
  const offsets = new Int32Array(sizes.length + 1);
  for (let p = 0; p < sizes.length; p++) offsets[p + 1] = offsets[p] + sizes[p];
  const cursor = offsets.slice(0, sizes.length);
  const rows = new Int32Array(t.codes.length);
  const { codes: types } = t;
  const { difficulty } = input;
  for (let i = 0; i < types.length; i++) {
    const pool = t.split ? 2 * types[i] + ((difficulty as ArrayLike<number>)[i] > t.threshold ? 0 : 1) : types[i];
    rows[cursor[pool]++] = i;
  }
  return { rows, offsets };
}

function drawPool(pool: Int32Array, p: PoolCounts, out: Int32Array, at: number, rng: Rng): number {
  for (let r = 0; r < p.repeats; r++, at += pool.length) out.set(pool, at);
  partialShuffle(pool, p.remainder, rng);
  out.set(pool.subarray(0, p.remainder), at);
  return at + p.remainder;
}

/** The resampled set as row positions; deterministic for a seed and consistent with previewCounts. */
export function resample(input: ResampleInput & { seed: number }): ResampleResult {
  const rng = createRng(input.seed);
  const t = tally(input);
  const counts = countsFromTally(input, t);
  const { rows, offsets } = groupByPool(input, t);
  const out = new Int32Array(counts.selectedTotal);
  let at = 0;
  for (let code = 0; code < t.typeNames.length; code++) {
    const pools = counts.types[code].pools;
    pools.forEach((p, j) => {
      const pool = pools.length * code + j;
      at = drawPool(rows.subarray(offsets[pool], offsets[pool + 1]), p, out, at, rng);
    });
  }
  shuffle(out, rng);
  return { indices: out, counts };
}
