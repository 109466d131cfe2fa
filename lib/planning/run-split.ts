import { BadRequest } from "~/lib/errors";
import { createRng, partialShuffle } from "./rng";

/** Which dataset rows (by row id) a run trains on and which it holds out for evaluation. */
export type RunSplit = { trainIds: number[]; evalIds: number[] };

/**
 * A seeded random hold-out of `evalSize` rows, then at most `trainSamples` of the rest for training. The same
 * rows and seed always give the same split, so a cloned run sees the same data, and the designer's preview
 * (browser) holds out the rows its launch (server) will.
 */
export function splitRows(rowIds: readonly number[], opts: { evalSize: number; trainSamples: number | null; seed: number }): RunSplit {
  if (opts.evalSize >= rowIds.length) {
    throw new BadRequest(`the eval split (${opts.evalSize} rows) must leave training rows: the dataset has ${rowIds.length} usable rows`);
  }
  const shuffled = rowIds.slice();
  const trainCount = Math.min(opts.trainSamples ?? Infinity, rowIds.length - opts.evalSize);
  partialShuffle(shuffled, opts.evalSize + trainCount, createRng(opts.seed));
  const evalIds = shuffled.slice(0, opts.evalSize).sort((a, b) => a - b);
  const trainIds = shuffled.slice(opts.evalSize, opts.evalSize + trainCount).sort((a, b) => a - b);
  return { trainIds, evalIds };
}
