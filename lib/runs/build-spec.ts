import { trainJob, type TrainJob } from "~/lib/contracts/job";
import type { TrainPlan } from "~/lib/contracts/plan";
import { buildTrainPlan } from "~/lib/planning/pocl";
import { attentionSpec } from "./attention";
import { daeSpec, planWithDae } from "./dae";
import { distributedSpecOf } from "./distributed-choice";
import type { LaunchForm } from "./form";
import { lossSpecOf } from "./loss";
import { teacherCacheOfRun } from "./teacher-cache";

/** A run's max_prompt_length: half its max_length (a teacher-logit cache is keyed by both). */
export function maxPromptLengthOf(maxLength: number): number {
  return Math.max(4, Math.floor(maxLength / 2));
}

/**
 * The job.json a launch form produces. The browser calls it for the live preview (with placeholder id and
 * time); the server calls it with the confined, resolved model paths before writing the run folder, and adds
 * its output roots.
 */
export function formToTrainJob(form: LaunchForm, meta: { id: string; createdAt: string }): TrainJob {
  return {
    schema_version: 1,
    id: meta.id,
    kind: "train",
    created_at: meta.createdAt,
    seed: form.seed,
    device: form.device,
    teacher: form.teacher,
    student: form.student,
    train_data: "data/train.jsonl",
    eval_data: form.evalSize > 0 ? "data/eval.jsonl" : null,
    plan: "plan.json",
    loss: lossSpecOf(form.loss),
    attention: attentionSpec(form.attention),
    ...(form.dae.enabled ? { dae: daeSpec(form.dae) } : {}),
    optim: {
      lr: form.lr,
      weight_decay: 0.01,
      warmup_ratio: 0,
      grad_clip: 1.0,
      batch_size: form.batchSize,
      grad_accum: form.gradAccum,
      per_stage: "fresh",
    },
    max_length: form.maxLength,
    max_prompt_length: maxPromptLengthOf(form.maxLength),
    gradient_checkpointing: form.activationCheckpointing,
    distributed: distributedSpecOf(form.distributed),
    speed: trainJob.shape.speed.parse(undefined), // the defaults: bf16 and padded shapes on CUDA, as is on the CPU
    checkpoint_every: form.checkpointEvery,
    keep_checkpoints: trainJob.shape.keep_checkpoints.parse(undefined),
    eval: {
      every: form.evalSize > 0 ? form.evalEvery : 0,
      max_new_tokens: form.evalMaxNewTokens,
      num_prompts: Math.min(form.evalPrompts, form.evalSize),
    },
    teacher_cache: form.teacherCache ? teacherCacheOfRun(form.teacherCache) : null,
    output_dir: form.outputDir || "model",
    output_roots: [], // the server's, filled in at launch
  };
}

/**
 * A plain run: one stage over every training sample, at the form's temperature and KD weight; then the DAE phase,
 * when the form has one.
 */
export function plainPlan(form: LaunchForm, sampleIds: readonly string[]): TrainPlan {
  return planWithDae(buildTrainPlan({
    ids: sampleIds,
    source: "plain",
    schedule: {
      mode: "plain",
      epochs_per_stage: form.epochs,
      temperature: { start: form.temperature, end: form.temperature },
      kd_weight: { start: form.kdWeight, end: form.kdWeight },
    },
  }), form.dae);
}
