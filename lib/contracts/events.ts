import { z } from "zod";
import { phaseName } from "./plan";

/**
 * One line of a run folder's events.jsonl. The trainer (Python) and the ingest worker (Node) append these;
 * the studio tails them into SQLite. Field names are snake_case because Python writes most of them.
 * `seq` starts at 1 and rises by exactly 1 per line within a run folder, across resumes: it is what makes
 * re-attaching and SSE reconnects exact.
 */
const base = {
  seq: z.number().int().min(1),
  /** Unix epoch seconds, fractional. */
  time: z.number(),
};

const optionalNumber = z.number().nullable().optional();

export const progressEvent = z.object({
  ...base,
  type: z.literal("progress"),
  /** Units done so far (steps, rows, bytes: see `unit`). */
  current: z.number().min(0),
  total: z.number().min(0).nullable(),
  unit: z.string(),
  stage: z.number().int().min(1).optional(),
  eta_s: optionalNumber,
  message: z.string().optional(),
  /** Generation jobs: output tokens per second of this attempt, and the cost so far from the endpoint's prices. */
  tokens_per_s: optionalNumber,
  cost: optionalNumber,
  /** An expand job: new instructions generated, exact and near duplicates, tag mismatches, kept, answered, set aside. */
  counts: z.record(z.string(), z.number().int().min(0)).optional(),
  /** Eval jobs: the suite these units belong to (current of total counts that suite's items). */
  suite: z.string().optional(),
});

export const metricEvent = z.object({
  ...base,
  type: z.literal("metric"),
  step: z.number().int().min(0),
  stage: z.number().int().min(1),
  epoch: z.number().min(0).optional(),
  loss: z.number(),
  kd_loss: optionalNumber,
  ce_loss: optionalNumber,
  attn_loss: optionalNumber,
  temperature: optionalNumber,
  kd_weight: optionalNumber,
  lr: optionalNumber,
  grad_norm: optionalNumber,
  tokens_per_s: optionalNumber,
  tokens_seen: optionalNumber,
  peak_mem_mb: optionalNumber,
  eta_s: optionalNumber,
  /**
   * Mean training loss per POCL bucket over the step's samples, keyed by bucket number ("1", "2", …): each
   * sample's loss is the mean over its answer tokens. Only the buckets the step drew samples from; absent in a
   * plain run.
   */
  bucket_loss: z.record(z.string().regex(/^[1-9]\d*$/), z.number()).optional(),
  /** The plan phase of the step ("kd" or "dae"); absent in a plan without "dae" stages. */
  phase: phaseName.optional(),
  /**
   * A "dae" step: mean training loss of the domain rows (target from the expert) and of the other rows (target
   * from the reference model) over the step's samples, each sample's loss the mean over its answer tokens. Only
   * the groups the step drew samples from.
   */
  group_loss: z.object({ domain: z.number().optional(), other: z.number().optional() }).optional(),
});

export const logEvent = z.object({
  ...base,
  type: z.literal("log"),
  level: z.enum(["debug", "info", "warning", "error"]),
  message: z.string(),
});

export const stageEvent = z.object({
  ...base,
  type: z.literal("stage"),
  stage: z.number().int().min(1),
  /** Absent in a plan without "dae" stages. */
  phase: phaseName.optional(),
  num_stages: z.number().int().min(1),
  step: z.number().int().min(0),
  temperature: z.number(),
  kd_weight: z.number(),
  num_samples: z.number().int().min(0),
  steps: z.number().int().min(0),
});

/**
 * A plan with "dae" stages emits one at the first step of each phase, before that step's stage event. At the
 * start of the "dae" phase the KD teacher has been released and the expert and reference models loaded.
 */
export const phaseEvent = z.object({
  ...base,
  type: z.literal("phase"),
  phase: phaseName,
  /** 1-based position of the phase in the run, and how many phases the run has. */
  index: z.number().int().min(1),
  num_phases: z.number().int().min(1),
  /** The optimizer steps done before the phase (its first step is step + 1), and its own step count. */
  step: z.number().int().min(0),
  steps: z.number().int().min(0),
  /** The phase's first stage (1-based, as in stage events). */
  stage: z.number().int().min(1),
  /** Samples over the phase's stages (repeats counted), and of them with is_domain set (a "dae" phase). */
  num_samples: z.number().int().min(0),
  domain_samples: z.number().int().min(0).optional(),
});

export const checkpointEvent = z.object({
  ...base,
  type: z.literal("checkpoint"),
  step: z.number().int().min(0),
  stage: z.number().int().min(1),
  /** Relative to the run folder. */
  path: z.string(),
  reason: z.enum(["interval", "stage_end", "signal", "final"]),
});

export const evalEvent = z.object({
  ...base,
  type: z.literal("eval"),
  step: z.number().int().min(0),
  stage: z.number().int().min(1).optional(),
  eval_loss: optionalNumber,
  rouge_l: optionalNumber,
  num_samples: z.number().int().min(0).optional(),
});

export const heartbeatEvent = z.object({
  ...base,
  type: z.literal("heartbeat"),
});

export const doneEvent = z.object({
  ...base,
  type: z.literal("done"),
  /** Kind-specific summary (output paths, counts, final metrics). */
  result: z.record(z.string(), z.unknown()).optional(),
});

export const errorEvent = z.object({
  ...base,
  type: z.literal("error"),
  message: z.string(),
  traceback: z.string().optional(),
});

export const jobEvent = z.discriminatedUnion("type", [
  progressEvent,
  metricEvent,
  logEvent,
  stageEvent,
  phaseEvent,
  checkpointEvent,
  evalEvent,
  heartbeatEvent,
  doneEvent,
  errorEvent,
]);

export type JobEvent = z.infer<typeof jobEvent>;
export type JobEventType = JobEvent["type"];
export type MetricEvent = z.infer<typeof metricEvent>;
export type PhaseEvent = z.infer<typeof phaseEvent>;
