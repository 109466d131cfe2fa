import { z } from "zod";
import { launchFields, studentChoice } from "~/lib/runs/form";
import { evalSettings } from "./evaluation-form";
import { evalSuiteName, jobKind, modelRef } from "./job";
import { rowOrigin } from "./generation";
import { idField, nameField } from "./text-bounds";

/**
 * TAPIR's multi-round pipeline (issue 14, docs/pipelines.md, docs/methods.md TAPIR §1, §3, §6): what the
 * pipeline form sends, what the studio stores and shows of a pipeline, its rounds and their steps, and the
 * tRPC procedures of the `pipelines` router.
 *
 * Settings the paper leaves unconfirmed (δ, α₁ and its growth, the number of rounds, what round 1 trains on) are
 * settings with a default; UNCONFIRMED_SETTINGS names them so the page can say so.
 */

/**
 * The teacher: a local model (white-box KD: the student learns from its logits; the endpoint serving the same
 * model writes the expansions and rewrites), or an endpoint only (black-box: the student learns the teacher's
 * answers by cross-entropy, TAPIR's case).
 */
export const pipelineTeacher = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), model: modelRef.default({ source: "embedded" }), endpointId: idField("the teacher's endpoint") }),
  z.object({ kind: z.literal("endpoint"), endpointId: idField("the teacher's endpoint") }),
]);
export type PipelineTeacher = z.infer<typeof pipelineTeacher>;

/** The train job's fields a pipeline sets (the run launch form's, with its bounds and defaults). */
export const pipelineTraining = launchFields.pick({
  loss: true,
  attention: true,
  temperature: true,
  kdWeight: true,
  epochs: true,
  lr: true,
  batchSize: true,
  gradAccum: true,
  maxLength: true,
  evalSize: true,
  evalEvery: true,
  evalPrompts: true,
  evalMaxNewTokens: true,
  checkpointEvery: true,
  device: true,
});
export type PipelineTraining = z.infer<typeof pipelineTraining>;

/** How the teacher expands under-filled task types (TAPIR §4): the expand job's settings. */
export const pipelineExpansion = z.object({
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.8),
  maxTokens: z.number().int("max tokens is a whole number").min(16, "max tokens is at least 16").max(32768, "max tokens is at most 32,768").default(512),
  examplesPerRequest: z.number().int("examples per request is a whole number").min(1, "examples per request is at least 1").max(20, "examples per request is at most 20").default(3),
  instructionsPerRequest: z.number().int("instructions per request is a whole number").min(1, "instructions per request is at least 1").max(50, "instructions per request is at most 50").default(5),
  maxRequestsPerType: z.number().int("the request cap is a whole number").min(1, "the request cap is at least 1").max(1000, "the request cap is at most 1,000").default(20),
});

/** How the student answers and the judge grades (step "score": the mfd_judge scorer, TAPIR §1). */
export const pipelineScoring = z.object({
  /** The student's answer length when it answers the seed pool. */
  maxNewTokens: z.number().int("max new tokens is a whole number").min(1, "max new tokens is at least 1").max(4096, "max new tokens is at most 4,096").default(128),
  judgeMaxTokens: z.number().int("the judge's max tokens is a whole number").min(1, "the judge's max tokens is at least 1").max(4096, "the judge's max tokens is at most 4,096").default(512),
  /**
   * "explained": MT-Bench's judgment, an explanation and then the rating "[[n]]". "rating": the judge's answer is
   * held to "[[n]]" alone by a llama.cpp grammar (llama.cpp servers only, the embedded one included): a small
   * judge such as the embedded 135M model gives no rating in the explained form, and the rating alone takes 8 tokens.
   */
  judgeFormat: z.enum(["explained", "rating"]).default("explained"),
});

export const DEFAULT_PIPELINE_SUITES = [{ name: "selfinst" as const, limit: null }, { name: "ifeval" as const, limit: null }];

export const pipelineSettings = z
  .object({
    name: nameField("a pipeline name").default(""),
    /** The seed pool: a tagged dataset (every row has a task type) whose rows are the prompts of every round. */
    seedDatasetId: idField("a seed dataset"),
    teacher: pipelineTeacher,
    /** The endpoint that grades student and teacher answers (TAPIR uses the teacher as judge). */
    judgeEndpointId: idField("a judge endpoint"),
    student: studentChoice.default({ source: "pruned", num_layers: 6 }),
    /** Task type → target share of each round's set; normalised over the record. Default: TAPIR's published mix. */
    ratios: z.record(z.string().min(1).max(100), z.number().min(0, "a ratio is at least 0")).nullable().default(null),
    /** R. Unconfirmed in the paper. */
    rounds: z.number().int("rounds is a whole number").min(1, "a pipeline has at least 1 round").max(20, "a pipeline has at most 20 rounds").default(3),
    /** δ: a prompt is hard when its MFD (judge rating of the teacher's answer minus the student's, 1–10 scale) is above δ. Unconfirmed. */
    delta: z.number().min(-9, "δ is at least −9").max(9, "δ is at most 9").default(1),
    /** α₁: the hard share of round 2's set (the first selected by MFD). Unconfirmed. */
    alpha1: z.number().min(0, "α₁ is at least 0").max(1, "α₁ is at most 1").default(0.5),
    /** α grows by this much per round, capped at 1: α_r = min(1, α₁ + (r − 2) · growth) for round r ≥ 2. Unconfirmed. */
    alphaGrowth: z.number().min(0, "α's growth is at least 0").max(1, "α's growth is at most 1").default(0.1),
    /** Rows in each round's training set (seed rows selected + expanded rows). */
    budget: z.number().int("the budget is a whole number").min(1, "the budget is at least 1 row").max(1_000_000, "the budget is at most 1,000,000 rows").default(1000),
    /** Rewrite the teacher's answers in a style fitting their task type (TAPIR §5). */
    rewrite: z.boolean().default(true),
    /**
     * What round 1 trains on, before any MFD exists: the seed pool resampled to the ratios at the budget
     * ("resample"), or that set with every under-filled type expanded by the teacher ("resample_expand"). Unconfirmed.
     */
    firstRoundSet: z.enum(["resample", "resample_expand"]).default("resample"),
    /** Each round's student starts from the previous round's student ("continue") or from the initial student ("restart"). */
    studentInit: z.enum(["continue", "restart"]).default("continue"),
    /** Evaluate the initial student and the teacher once, as the reference lines of the score chart. */
    evaluateBaselines: z.boolean().default(true),
    /** Suites each round's student is evaluated on; the judged suites use the pipeline's judge. */
    evaluation: evalSettings.omit({ judgeEndpointId: true }).prefault({ suites: DEFAULT_PIPELINE_SUITES }),
    training: pipelineTraining.prefault({}),
    expansion: pipelineExpansion.prefault({}),
    scoring: pipelineScoring.prefault({}),
    /** Seeds every random choice (selection, training, sampling): the same settings and seed give the same rounds. */
    seed: z.number().int().min(0).default(10),
  })
  .superRefine((s, ctx) => {
    if (s.ratios && !Object.values(s.ratios).some((r) => r > 0)) {
      ctx.addIssue({ code: "custom", path: ["ratios"], message: "the target ratios need at least one task type above 0" });
    }
    if (s.teacher.kind === "endpoint" && s.training.kdWeight > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["training", "kdWeight"],
        message: "an endpoint teacher gives answers, not logits: set the KD weight to 0 (the student learns the answers by cross-entropy)",
      });
    }
  });
export type PipelineSettings = z.infer<typeof pipelineSettings>;
export type PipelineSettingsInput = z.input<typeof pipelineSettings>;

/** The settings the paper leaves open, with the sentence the page shows beside each. */
export const UNCONFIRMED_SETTINGS: Partial<Record<keyof PipelineSettings, string>> = {
  rounds: "The paper does not say how many rounds it ran; 3 is a guess.",
  delta: "The paper's MFD threshold δ is unconfirmed.",
  alpha1: "The paper's starting hard share α is unconfirmed.",
  alphaGrowth: "How much the hard share grows per round is unconfirmed.",
  firstRoundSet: "What the first round trains on, before any MFD exists, is unconfirmed.",
};

/** α_r, the hard share of round r's set; round 1 has no MFD yet, so none. */
export function hardShareOfRound(settings: Pick<PipelineSettings, "alpha1" | "alphaGrowth">, round: number): number | null {
  if (round < 2) return null;
  return Math.min(1, settings.alpha1 + (round - 2) * settings.alphaGrowth);
}

/** A pipeline's state. "paused": the running step may finish, no next step starts until resume. */
export const PIPELINE_STATUSES = ["running", "paused", "failed", "succeeded", "cancelled"] as const;
export const pipelineStatus = z.enum(PIPELINE_STATUSES);
export type PipelineStatus = z.infer<typeof pipelineStatus>;

export const STEP_STATUSES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
export const stepStatus = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof stepStatus>;

/**
 * A round's steps, in the order they run (issue 14.1):
 * - select: the round's set from the seed pool (round 1: resampled to the ratios; later: MFD > δ first, filled
 *   to α_r, resampled to the ratios) and how many rows each task type lacks; no job, done by the studio;
 * - expand: the teacher writes and answers new instructions for the under-filled types ("skipped" when none lack,
 *   and in round 1 unless firstRoundSet is "resample_expand");
 * - answer: the teacher answers every row of the set (endpoint teacher only, black-box: the student learns the
 *   teacher's answers; "skipped" for a local teacher, which teaches by its logits);
 * - rewrite: the teacher rewrites the set's answers in its task type's style ("skipped" when off);
 * - train: the student learns the set (round 1 from the initial student, later from the previous round's);
 * - score: the round's student answers the seed pool and the judge grades its and the teacher's answers → MFD;
 * - eval: the round's student on the evaluation suites.
 * The last round's score still runs: its MFD shows what the final student still fails at.
 */
export const STEP_KINDS = ["select", "expand", "answer", "rewrite", "train", "score", "eval"] as const;
export const stepKind = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof stepKind>;

/**
 * Baseline steps: evaluations of the initial student and of the teacher, once per pipeline (stored as round 0;
 * they run right after round 1's train step, whose run names the initial student).
 */
export const BASELINE_KINDS = ["eval_initial", "eval_teacher"] as const;
export const baselineKind = z.enum(BASELINE_KINDS);
export type BaselineKind = z.infer<typeof baselineKind>;

/** Something a step used or made, frozen: what it is, where it lives in the studio, and its content hash. */
export const frozenArtifact = z.object({
  kind: z.enum(["dataset_version", "selection_plan", "scores", "templates", "student_checkpoint", "settings"]),
  label: z.string(),
  /** The studio's id of it (a dataset id, a run id, a job id), or null when it is a file only. */
  ref: z.string().nullable(),
  /** A path inside the data folder, when it is a file. */
  path: z.string().nullable(),
  /** SHA-256 (hex) of its content (canonical JSON for records, the bytes for files, the sorted file hashes for a folder). */
  sha256: z.string(),
});
export type FrozenArtifact = z.infer<typeof frozenArtifact>;

export const pipelineStep = z.object({
  kind: z.union([stepKind, baselineKind]),
  status: stepStatus,
  /** The job that ran (runs) the step; open it at /jobs/<jobId>. Null for "select" and for steps not started. */
  jobId: z.string().nullable(),
  /** Tries so far; a retry after a failure adds one. */
  attempts: z.number().int().min(0),
  /** Why it failed (a sentence), or why it was skipped. */
  message: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Wall seconds inside the step's job (model work), for the overhead benchmark. */
  jobSeconds: z.number().nullable(),
  frozen: z.array(frozenArtifact),
});
export type PipelineStep = z.infer<typeof pipelineStep>;

/** One task type's rows in a round's set against its target. */
export const taskMixRow = z.object({
  type: z.string(),
  /** budget · normalised ratio, rounded so that the targets add up to the budget (largest remainder). */
  target: z.number().int(),
  /** Seed rows selected for it. */
  selected: z.number().int(),
  /** Of `selected`, rows with MFD > δ. */
  hard: z.number().int(),
  /** Rows the expansion must add (target − selected), and those it did add (null before the expand step ends). */
  toExpand: z.number().int(),
  expanded: z.number().int().nullable(),
});
export type TaskMixRow = z.infer<typeof taskMixRow>;

/** MFD of the round's student over the seed pool (its score step), binned for the histogram. */
export const mfdSummary = z.object({
  /** One value per scored prompt (judged both answers); prompts whose judgment had no rating are left out. */
  values: z.array(z.number()),
  unscored: z.number().int(),
  delta: z.number(),
  /** Bins of width 1 centred on the integers −9 … 9 (all 19, empty ones included): [lo, hi) with hi = lo + 1. */
  bins: z.array(z.object({ lo: z.number(), hi: z.number(), count: z.number().int() })),
  /** Share of scored prompts with MFD > δ. */
  hardShare: z.number().nullable(),
  mean: z.number().nullable(),
});
export type MfdSummary = z.infer<typeof mfdSummary>;

/** An evaluation's numbers: suite → metric → mean (null when the suite measured none). */
export const evalScores = z.object({
  evaluationId: z.string().nullable(),
  jobId: z.string(),
  metrics: z.partialRecord(evalSuiteName, z.record(z.string(), z.number().nullable())),
});
export type EvalScores = z.infer<typeof evalScores>;

export const pipelineRound = z.object({
  /** 1-based. */
  round: z.number().int().min(1),
  status: stepStatus,
  /** α_r of this round's set (null in round 1). */
  alpha: z.number().nullable(),
  steps: z.array(pipelineStep),
  /** The round's set against the target ratios; null before its select step ends. */
  mix: z.array(taskMixRow).nullable(),
  /** Share of the round's set drawn from hard seed rows (MFD > δ of the previous round); null before selection or in round 1. */
  hardShare: z.number().nullable(),
  /** Rows of the round's training set by origin; null before it is built. */
  sizeByOrigin: z.partialRecord(rowOrigin, z.number().int()).nullable(),
  /** The dataset holding the round's training set (a frozen version), once built. */
  datasetId: z.string().nullable(),
  /** The train job's run: its curve at /runs/<runId>. */
  runId: z.string().nullable(),
  /** MFD measured by this round's score step. */
  mfd: mfdSummary.nullable(),
  eval: evalScores.nullable(),
});
export type PipelineRound = z.infer<typeof pipelineRound>;

export const pipelineSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: pipelineStatus,
  rounds: z.number().int(),
  /** The round running now (or where it stopped), 1-based; 0 while the baselines run. */
  currentRound: z.number().int(),
  /** The step running now (or the failed one), null when none. */
  currentStep: z.union([stepKind, baselineKind]).nullable(),
  seedDatasetId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PipelineSummary = z.infer<typeof pipelineSummary>;

export const pipelineDetail = pipelineSummary.extend({
  settings: pipelineSettings,
  /** SHA-256 of the settings as stored (canonical JSON). */
  settingsHash: z.string(),
  /** A failure's or a refusal's sentence, when the pipeline stopped on one. */
  message: z.string().nullable(),
  baselines: z.array(pipelineStep),
  /** Baseline scores for the chart's reference lines (null when not evaluated or not yet done). */
  reference: z.object({ initial: evalScores.nullable(), teacher: evalScores.nullable() }),
  rounds_detail: z.array(pipelineRound),
});
export type PipelineDetail = z.infer<typeof pipelineDetail>;

const pipelineId = idField("a pipeline id");

/**
 * The `pipelines` router (server/api/routers/pipelines.ts): procedure → input and output. The UI codes against
 * these; the server's procedures parse the inputs with them.
 */
export const pipelineProcedures = {
  /** query: every setting at its default (teacher and judge: the embedded endpoint; no seed dataset), and the unconfirmed settings' sentences. */
  defaults: { input: z.void(), output: z.object({ settings: z.custom<Partial<PipelineSettingsInput>>(), unconfirmed: z.record(z.string(), z.string()) }) },
  /** mutation: validates, stores and starts a pipeline; answers its id. */
  create: { input: pipelineSettings, output: z.object({ id: z.string() }) },
  /** query: every pipeline, newest first. */
  list: { input: z.void(), output: z.array(pipelineSummary) },
  /** query: one pipeline with its rounds. */
  get: { input: z.object({ id: pipelineId }), output: pipelineDetail },
  /** subscription (SSE): the pipeline now, then again after each change, until it has succeeded or been cancelled. */
  watch: { input: z.object({ id: pipelineId }), output: pipelineDetail },
  /** mutation: no next step starts; the running one finishes. */
  pause: { input: z.object({ id: pipelineId }), output: pipelineSummary },
  /** mutation: continues a paused pipeline, or retries a failed one from its failed step (finished steps are kept). */
  resume: { input: z.object({ id: pipelineId }), output: pipelineSummary },
  /** mutation: cancels the running job and stops the pipeline for good. */
  cancel: { input: z.object({ id: pipelineId }), output: pipelineSummary },
} as const;

/** The job kinds a pipeline's steps start (the studio's job pages list them). */
export const STEP_JOB_KIND: Record<Exclude<StepKind, "select"> | BaselineKind, z.infer<typeof jobKind>> = {
  answer: "answer",
  expand: "expand",
  rewrite: "rewrite",
  train: "train",
  score: "score",
  eval: "eval",
  eval_initial: "eval",
  eval_teacher: "eval",
};
