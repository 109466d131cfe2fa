import { z } from "zod";
import { type Curriculum, type CurriculumInput, RATIO_PRESETS, presetRatios } from "~/lib/planning";

/** Stands for "no tagger pass": rows are typed by hand labels alone (the demo dataset before tagging). */
export const HAND_LABELS_ONLY = "hand-labels";

/**
 * Everything the designer page shows, kept in the URL (?s=JSON) so a reload or a shared link restores it.
 * Parsed field by field with defaults, so a stale or hand-edited URL never breaks the page.
 */
export const designerState = z.object({
  tag: z.string().min(1).catch(HAND_LABELS_ONLY),
  score: z.string().min(1).nullable().catch(null),
  preset: z.enum([...RATIO_PRESETS, "custom"]).catch("tapir"),
  /** null: the preset's ratios over the types the training rows have. */
  ratios: z.record(z.string(), z.number().min(0)).nullable().catch(null),
  /** null: every training row once (N = their number). */
  n: z.number().int().min(1).nullable().catch(null),
  /** Rows held out for evaluation; null: defaultEvalSize. */
  evalSize: z.number().int().min(0).nullable().catch(null),
  threshold: z.number().nullable().catch(null),
  hardShare: z.number().min(0).max(1).nullable().catch(null),
  seed: z.number().int().min(0).catch(10),
  mode: z.enum(["plain", "cumulative", "per_bucket"]).catch("cumulative"),
  buckets: z.number().int().min(1).max(64).catch(4),
  epochsPerStage: z.number().int().min(1).catch(1),
  tStart: z.number().positive().catch(1),
  tEnd: z.number().positive().catch(2),
  kdStart: z.number().min(0).max(1).catch(0.7),
  kdEnd: z.number().min(0).max(1).catch(1),
  bucketBy: z.string().min(1).nullable().catch(null),
  batchSize: z.number().int().min(1).catch(4),
  gradAccum: z.number().int().min(1).catch(1),
});
export type DesignerState = z.infer<typeof designerState>;

export function parseDesignerState(json: string | null): DesignerState {
  let value: unknown = {};
  try {
    value = json ? JSON.parse(json) : {};
  } catch {
    // not JSON: defaults
  }
  return designerState.parse(value && typeof value === "object" ? value : {});
}

/** Eval rows until the user chooses: a fifth of the answered rows, at most 8 (enough for a first run's curve). */
export function defaultEvalSize(answered: number): number {
  return Math.min(8, Math.floor(answered / 5));
}

export const evalSizeOf = (s: DesignerState, answered: number) => s.evalSize ?? defaultEvalSize(answered);

/** What the defaults are fitted to: the dataset's answered rows and the task types of the rows a run trains on. */
export interface DataFacts {
  answered: number;
  trainingTypes: Readonly<Record<string, number>>;
}

/**
 * The curriculum the state describes, with what the user has not chosen fitted to the data: N is the number
 * of training rows and the ratios cover only the types they have. The same object is previewed, saved and
 * launched.
 */
export function toCurriculum(datasetId: string, s: DesignerState, data: DataFacts): CurriculumInput {
  const split = s.hardShare != null && s.threshold != null && s.score != null;
  const evalSize = evalSizeOf(s, data.answered);
  return {
    schema_version: 1,
    dataset_id: datasetId,
    eval_size: evalSize,
    resample: {
      tag_result_id: s.tag,
      ratio_preset: s.preset,
      ratios: s.ratios ?? presetRatios(s.preset === "custom" ? "tapir" : s.preset, data.trainingTypes),
      n: s.n ?? Math.max(1, data.answered - evalSize),
      difficulty_result_id: s.score,
      threshold: split ? s.threshold : null,
      hard_share: split ? s.hardShare : null,
    },
    schedule: {
      mode: s.mode,
      buckets: s.buckets,
      epochs_per_stage: s.epochsPerStage,
      temperature: { start: s.tStart, end: s.tEnd },
      kd_weight: { start: s.kdStart, end: s.kdEnd },
      direction: "higher_is_harder",
    },
    bucket_result_id: s.mode === "plain" ? null : s.bucketBy,
    seed: s.seed,
  };
}

/** Back from a saved curriculum to designer state ("open in the designer"). */
export function toDesignerState(c: Curriculum): DesignerState {
  const r = c.resample;
  return parseDesignerState(
    JSON.stringify({
      tag: r?.tag_result_id,
      score: r?.difficulty_result_id ?? null,
      preset: r?.ratio_preset,
      ratios: r?.ratios,
      n: r?.n,
      threshold: r?.threshold ?? null,
      hardShare: r?.hard_share ?? null,
      seed: c.seed,
      mode: c.schedule.mode,
      buckets: c.schedule.buckets,
      epochsPerStage: c.schedule.epochs_per_stage,
      tStart: c.schedule.temperature.start,
      tEnd: c.schedule.temperature.end,
      kdStart: c.schedule.kd_weight.start,
      kdEnd: c.schedule.kd_weight.end,
      bucketBy: c.bucket_result_id,
      evalSize: c.eval_size,
    }),
  );
}
