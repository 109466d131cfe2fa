import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "~/db/client";
import { createRng, partialShuffle } from "~/lib/planning/rng";

/** Which dataset rows (by row id) a run trains on and which it holds out for evaluation. */
export type RunSplit = { trainIds: number[]; evalIds: number[] };

/**
 * A seeded random hold-out of `evalSize` rows, then at most `trainSamples` of the rest for training. The same
 * rows and seed always give the same split, so a cloned run sees the same data.
 */
export function splitRows(rowIds: readonly number[], opts: { evalSize: number; trainSamples: number | null; seed: number }): RunSplit {
  if (opts.evalSize >= rowIds.length) {
    throw new Error(`the eval split (${opts.evalSize} rows) must leave training rows: the dataset has ${rowIds.length} usable rows`);
  }
  const shuffled = rowIds.slice();
  const trainCount = Math.min(opts.trainSamples ?? Infinity, rowIds.length - opts.evalSize);
  partialShuffle(shuffled, opts.evalSize + trainCount, createRng(opts.seed));
  const evalIds = shuffled.slice(0, opts.evalSize).sort((a, b) => a - b);
  const trainIds = shuffled.slice(opts.evalSize, opts.evalSize + trainCount).sort((a, b) => a - b);
  return { trainIds, evalIds };
}

/** Ids of the rows a run may use: every row of a ready dataset except second copies of exact duplicates. */
export function usableRowIds(db: Db, datasetId: string): number[] {
  const dataset = db.$client.prepare("select status from datasets where id = ?").get(datasetId) as { status: string } | undefined;
  if (!dataset) throw new Error(`dataset ${datasetId} does not exist`);
  if (dataset.status !== "ready") throw new Error(`dataset ${datasetId} is ${dataset.status}, not ready: wait for its import to finish`);
  return db.$client
    .prepare("select id from dataset_rows where dataset_id = ? and is_duplicate = 0 order by idx")
    .pluck()
    .all(datasetId) as number[];
}

async function writeLine(stream: NodeJS.WritableStream, line: string) {
  if (!stream.write(line)) await once(stream, "drain");
}

async function closeStream(stream: ReturnType<typeof createWriteStream>) {
  stream.end();
  await once(stream, "finish");
}

/**
 * Streams the split's rows into RUN_DIR/data/train.jsonl and data/eval.jsonl as {id, messages} lines (the
 * trainer's input), in dataset order, without loading the dataset into memory. Returns the line counts.
 */
export async function writeSplitFiles(db: Db, datasetId: string, split: RunSplit, runDir: string) {
  await mkdir(join(runDir, "data"), { recursive: true });
  const train = createWriteStream(join(runDir, "data", "train.jsonl"));
  const evalOut = split.evalIds.length ? createWriteStream(join(runDir, "data", "eval.jsonl")) : null;
  const trainSet = new Set(split.trainIds);
  const evalSet = new Set(split.evalIds);
  const counts = { train: 0, eval: 0 };
  // Pages rather than one iterator: an open iterator would keep the shared connection busy across awaits.
  const page = db.$client.prepare(
    "select id, idx, messages from dataset_rows where dataset_id = ? and is_duplicate = 0 and idx > ? order by idx limit 1000",
  );
  let after = -1;
  for (;;) {
    const rows = page.all(datasetId, after) as { id: number; idx: number; messages: string }[];
    if (rows.length === 0) break;
    after = rows.at(-1)!.idx;
    for (const row of rows) {
      const target = trainSet.has(row.id) ? train : evalSet.has(row.id) ? evalOut : null;
      if (!target) continue;
      await writeLine(target, `{"id":${JSON.stringify(String(row.id))},"messages":${row.messages}}\n`);
      if (target === train) counts.train++;
      else counts.eval++;
    }
  }
  await closeStream(train);
  if (evalOut) await closeStream(evalOut);
  return counts;
}
