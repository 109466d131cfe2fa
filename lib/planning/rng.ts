import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A seeded source of uniform integers; the same seed gives the same sequence in Node and the browser. */
export interface Rng {
  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number;
}

/** xoroshiro128+ from pure-rand; only the low 32 bits of `seed` matter. */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const gen = xoroshiro128plus(seed);
  return { int: (n) => uniformInt(gen, 0, n - 1) };
}

interface MutableArrayLike<T> {
  length: number;
  [index: number]: T;
}

/**
 * Moves a uniform sample of `k` of the elements into positions 0..k-1 (partial Fisher–Yates), in place;
 * k = length shuffles the whole array.
 */
export function partialShuffle<T>(items: MutableArrayLike<T>, k: number, rng: Rng): void {
  const n = items.length;
  if (k < 0 || k > n) throw new Error(`cannot pick ${k} of ${n} items`);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

export function shuffle<T>(items: MutableArrayLike<T>, rng: Rng): void {
  partialShuffle(items, items.length, rng);
}

/** `k` distinct elements of `items` (by position), in random order; `items` is left untouched. */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const copy = items.slice();
  partialShuffle(copy, k, rng);
  return copy.slice(0, k);
}
