import { BadRequest } from "~/lib/errors";
import { type CurriculumInput, type CurriculumPlan, type PlanRow, type PreviewRows, curriculum, planCurriculum, previewCurriculum } from "./curriculum";
import type { ResampleCounts } from "./resample";
import { type RunSplit, splitRows } from "./run-split";
import type { Batching, SchedulePreview } from "./schedule-series";

/**
 * A curriculum as its run will train it: the run trains on the dataset's answered rows less the seeded eval
 * hold-out, and the curriculum resamples and buckets those. The designer previews with previewRun on every
 * slider move, saving checks with it, and the launch plans with planRun, which starts from previewRun: one
 * computation, so what the designer shows is what trains.
 */

/** What planning reads of a dataset (server/curriculum/results.ts rowColumns): one entry per usable row, in dataset order. */
export interface DatasetColumns {
  ids: readonly number[];
  /** Positions (into ids) of prompts without an answer, which runs leave out. */
  promptOnlyAt: readonly number[];
}

/** The rows a curriculum's run trains on, and what was taken out before. */
export interface RunRows {
  /** Positions (into the columns) of the training rows, in dataset order. */
  positions: Int32Array;
  split: RunSplit;
  /** Rows in the columns. */
  total: number;
  promptOnly: number;
}

/** Training rows: answered rows, less the seeded eval hold-out (splitRows, as every run does it). */
export function runRows(columns: DatasetColumns, opts: { evalSize: number; seed: number }): RunRows {
  const promptOnly = new Set(columns.promptOnlyAt);
  const answered = columns.ids.filter((_, i) => !promptOnly.has(i));
  const unanswered = promptOnly.size ? ` (${promptOnly.size} more are prompts without an answer, which runs leave out)` : "";
  if (answered.length === 0) throw new BadRequest(`none of the ${columns.ids.length} rows has an answer: runs train on answered rows only`);
  if (opts.evalSize >= answered.length) {
    throw new BadRequest(
      `holding out ${opts.evalSize} rows for evaluation leaves none to train on: the dataset has ${answered.length} rows with an answer${unanswered}; lower the eval rows`,
    );
  }
  const split = splitRows(answered, { evalSize: opts.evalSize, trainSamples: null, seed: opts.seed });
  const training = new Set(split.trainIds);
  const positions = new Int32Array(split.trainIds.length);
  let at = 0;
  columns.ids.forEach((id, i) => {
    if (training.has(id)) positions[at++] = i;
  });
  return { positions, split, total: columns.ids.length, promptOnly: promptOnly.size };
}

/** The columns of the training rows only. */
export function trainingColumns(rows: PreviewRows, run: RunRows): PreviewRows {
  const pick = (values: ArrayLike<unknown>) => Array.from(run.positions, (i) => values[i]);
  return { types: pick(rows.types) as PreviewRows["types"], difficulty: rows.difficulty ? Float64Array.from(pick(rows.difficulty) as number[]) : null };
}

/** Where the training rows came from, for sentences: "32 of the 40 rows (8 held out for evaluation, 3 prompts without an answer)". */
export function describeRunRows(run: RunRows): string {
  const out = [`${run.split.evalIds.length} held out for evaluation`, ...(run.promptOnly ? [`${run.promptOnly} prompts without an answer`] : [])];
  return `${run.positions.length} of the ${run.total} rows (${out.join(", ")})`;
}

export interface RunPreview {
  run: RunRows;
  /** null when the curriculum does not resample. */
  counts: ResampleCounts | null;
  schedule: SchedulePreview;
}

/**
 * The numbers of the run: resampling counts and the schedule over optimizer steps, from counts alone. A run
 * that cannot be planned is refused with a sentence saying why and what to change.
 */
export function previewRun(spec: CurriculumInput, rows: PreviewRows, run: RunRows, batching: Batching): RunPreview {
  const c = curriculum.parse(spec);
  const { counts, size, schedule } = previewCurriculum(c, trainingColumns(rows, run), batching);
  if (schedule) return { run, counts, schedule };
  const from = `the run trains on ${describeRunRows(run)}`;
  throw new BadRequest(
    size === 0
      ? `the resampling selects no sample: ${from}; raise N or give a ratio to a type that has rows`
      : `${size} resampled ${size === 1 ? "sample is" : "samples are"} too few for ${c.schedule.buckets} buckets: ${from}; lower K to ${size} or fewer, or raise N`,
  );
}

/** The plan a launch writes as plan.json: previewRun's numbers, then the samples drawn and bucketed. */
export function planRun(spec: CurriculumInput, rows: readonly PlanRow[], run: RunRows, options: { source: string; batching: Batching }): CurriculumPlan & { preview: RunPreview } {
  const preview = previewRun(spec, { types: rows.map((r) => r.type), difficulty: rows.map((r) => r.difficulty ?? Number.NaN) }, run, options.batching);
  const plan = planCurriculum(spec, Array.from(run.positions, (i) => rows[i]!), options);
  return { ...plan, preview };
}
