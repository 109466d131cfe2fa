import { z } from "zod";
import type { TrainPlan } from "~/lib/contracts/plan";
import { TASK_TYPES, type TaskType } from "~/lib/contracts/taxonomy";
import { sha256Json } from "./content-hash";
import { buildTrainPlan, schedule } from "./pocl";
import { RATIO_PRESETS } from "./ratios";
import { type ResampleCounts, type ResampleInput, previewCounts, resample } from "./resample";
import { type Batching, type SchedulePreview, previewSchedule } from "./schedule-series";

/**
 * A curriculum: TAPIR resampling of a tagged dataset, then POCL buckets and stages over the resampled set.
 * Saved (frozen) as JSON in the `curricula` table; ids refer to tag_results and score_results.
 */
export const curriculumResample = z
  .object({
    /** The tag_results pass whose labels type the rows (hand labels win over it). */
    tag_result_id: z.string().min(1),
    /** Which preset the ratios came from, for display; the ratios themselves are what counts. */
    ratio_preset: z.enum([...RATIO_PRESETS, "custom"]).default("custom"),
    ratios: z
      .partialRecord(z.enum(TASK_TYPES as [TaskType, ...TaskType[]]), z.number().min(0))
      .refine((r) => Object.values(r).some((x) => (x ?? 0) > 0), "at least one task type needs a ratio above 0"),
    /** Target rows N. */
    n: z.number().int().min(1),
    /** The score_results pass whose difficulty (higher is harder) splits hard rows; needed for α. */
    difficulty_result_id: z.string().min(1).nullable().default(null),
    /** δ: difficulty above which a row is hard. */
    threshold: z.number().nullable().default(null),
    /** α: share of each type's target drawn from its hard rows; null = no split. */
    hard_share: z.number().min(0).max(1).nullable().default(null),
  })
  .superRefine((r, ctx) => {
    if (r.hard_share == null) return;
    if (r.threshold == null) ctx.addIssue({ code: "custom", path: ["threshold"], message: "hard_share α needs a threshold δ" });
    if (r.difficulty_result_id == null)
      ctx.addIssue({ code: "custom", path: ["difficulty_result_id"], message: "hard_share α needs a difficulty scoring pass" });
  });

export type CurriculumResample = z.infer<typeof curriculumResample>;

export const curriculum = z
  .object({
    schema_version: z.literal(1).default(1),
    dataset_id: z.string().min(1),
    /** null: every row once, no resampling. */
    resample: curriculumResample.nullable(),
    schedule: schedule.prefault({}),
    /** The score_results pass whose scores order the buckets (read by schedule.direction); unused when plain. */
    bucket_result_id: z.string().min(1).nullable().default(null),
    seed: z.number().int().min(0).max(0xffffffff).default(10),
    /**
     * Answered rows held out for evaluation (seeded by `seed`) before resampling: the curriculum is planned on
     * the rows its run trains on (run-plan.ts).
     */
    eval_size: z.number().int().min(0).default(8),
  })
  .superRefine((c, ctx) => {
    if (c.schedule.mode !== "plain" && c.bucket_result_id == null)
      ctx.addIssue({ code: "custom", path: ["bucket_result_id"], message: `schedule mode "${c.schedule.mode}" needs a scoring pass to bucket by` });
  });
export type Curriculum = z.infer<typeof curriculum>;
export type CurriculumInput = z.input<typeof curriculum>;

/** Stable hash of the curriculum with defaults filled in: equal specs hash equal whatever their key order. */
export function contentHash(c: CurriculumInput): Promise<string> {
  return sha256Json(curriculum.parse(c));
}

/** A dataset row as planning sees it: its task type (hand label or tagger), difficulty, bucketing score. */
export interface PlanRow {
  id: string;
  type: string;
  /** From resample.difficulty_result_id, higher is harder; null = unscored. */
  difficulty?: number | null;
  /** From bucket_result_id, read by schedule.direction; null = unscored (bucketed last). */
  bucket_score?: number | null;
}

export interface CurriculumPlan {
  plan: TrainPlan;
  /** null when the curriculum does not resample. */
  counts: ResampleCounts | null;
  /** Present when batching was given. */
  schedule: SchedulePreview | null;
  /** Resampled samples without a bucketing score (they sit in the last, hardest bucket). */
  unscoredForBuckets: number;
}

function resampleInput(r: CurriculumResample, rows: PreviewRows): ResampleInput {
  return {
    types: rows.types,
    difficulty: r.difficulty_result_id ? rows.difficulty : null,
    n: r.n,
    ratios: r.ratios as Record<string, number>,
    threshold: r.threshold,
    hardShare: r.hard_share,
  };
}

const toNumbers = (values: (number | null | undefined)[]) => Float64Array.from(values, (v) => v ?? Number.NaN);

/** Resample, then bucket and schedule the resampled set: the plan a launch writes as plan.json. */
export function planCurriculum(
  spec: CurriculumInput,
  rows: readonly PlanRow[],
  options: { source?: string; batching?: Batching } = {},
): CurriculumPlan {
  const c = curriculum.parse(spec);
  let selected: readonly PlanRow[] = rows;
  let counts: ResampleCounts | null = null;
  if (c.resample) {
    const types = rows.map((row) => row.type);
    const difficulty = toNumbers(rows.map((row) => row.difficulty));
    const result = resample({ ...resampleInput(c.resample, { types, difficulty }), seed: c.seed });
    counts = result.counts;
    selected = Array.from(result.indices, (i) => rows[i]);
  }
  const scores = c.schedule.mode === "plain" ? null : toNumbers(selected.map((row) => row.bucket_score));
  const plan = buildTrainPlan({
    ids: selected.map((row) => row.id),
    scores,
    schedule: c.schedule,
    source: options.source ?? "curriculum",
  });
  return {
    plan,
    counts,
    schedule: options.batching ? previewSchedule(selected.length, c.schedule, options.batching) : null,
    unscoredForBuckets: scores ? scores.filter((s) => Number.isNaN(s)).length : 0,
  };
}

/** Rows for the live preview: compact columns, fetched once, recomputed on every slider move. */
export interface PreviewRows {
  /** Codes into TASK_TYPES (encodeTypes, done once per dataset), or type names. */
  types: ResampleInput["types"];
  /** Difficulty from resample.difficulty_result_id; NaN = unscored. */
  difficulty?: ArrayLike<number> | null;
}

/**
 * previewCounts and previewSchedule for a curriculum, from counts only; the numbers planCurriculum will use.
 * `size` is the resampled set's; `schedule` is null when no plan can be built on it (no sample, or fewer
 * samples than buckets).
 */
export function previewCurriculum(
  spec: CurriculumInput,
  rows: PreviewRows,
  batching: Batching,
): { counts: ResampleCounts | null; size: number; schedule: SchedulePreview | null } {
  const c = curriculum.parse(spec);
  const counts = c.resample ? previewCounts(resampleInput(c.resample, rows)) : null;
  const size = counts ? counts.selectedTotal : rows.types.length;
  const buildable = size > 0 && (c.schedule.mode === "plain" || size >= c.schedule.buckets);
  return { counts, size, schedule: buildable ? previewSchedule(size, c.schedule, batching) : null };
}
