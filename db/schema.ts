import { sql } from "drizzle-orm";
import { ROW_ORIGINS, TEMPLATE_KINDS } from "~/lib/contracts/generation";
import { JOB_KINDS, JOB_STATUSES } from "~/lib/contracts/job";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** A dataset is visible once `status` is "ready"; an import writes rows under status "importing". */
export const datasets = sqliteTable("datasets", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status", { enum: ["importing", "ready", "failed"] }).notNull(),
  originalName: text("original_name").notNull(),
  format: text("format").notNull(),
  rowCount: integer("row_count").notNull().default(0),
  rejectedCount: integer("rejected_count").notNull().default(0),
  duplicateCount: integer("duplicate_count").notNull().default(0),
  /** "chars" until the trainer counts tokens with the teacher's tokenizer, then "tokens". */
  lengthUnit: text("length_unit", { enum: ["chars", "tokens"] }).notNull().default("chars"),
  jobId: text("job_id"),
  /** The dataset this one was generated from (a teacher's answers to its prompts); null for an import. */
  parentId: text("parent_id"),
  createdAt: createdAt(),
});

/**
 * Rows in canonical form: `messages` is a JSON array of {role, content} (system/user/assistant, any
 * number of turns), or "" for a single exchange (one user turn, then one non-empty assistant turn or none),
 * whose text `prompt` and `response` already hold: read it with storedMessages (server/ingest/canonical).
 * `prompt` and `response` are the user and assistant text joined, for search and lengths. `source` keeps what
 * the messages cannot give back of the original Alpaca fields (instruction/input/output/history), so an Alpaca
 * export round-trips exactly: where only the input was joined to the instruction, the instruction's length; else
 * the fields' JSON. Read it with storedSource.
 */
export const datasetRows = sqliteTable(
  "dataset_rows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    datasetId: text("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    /** 0-based position in the dataset. */
    idx: integer("idx").notNull(),
    /** 1-based line (JSONL) or element/row number (JSON array, CSV, Parquet) in the uploaded file. */
    sourceLine: integer("source_line").notNull(),
    /** The line a JSON array's element starts on; null where source_line is the line, or the file has none. */
    startLine: integer("start_line"),
    messages: text("messages").notNull(),
    source: text("source"),
    prompt: text("prompt").notNull(),
    response: text("response").notNull(),
    turns: integer("turns").notNull(),
    promptLength: integer("prompt_length").notNull(),
    responseLength: integer("response_length").notNull(),
    contentHash: text("content_hash").notNull(),
    /** True for the second and later copies of an exact duplicate. */
    isDuplicate: integer("is_duplicate", { mode: "boolean" }).notNull().default(false),
    /** Where the row came from: imported, or made by a generation job (lib/contracts/generation.ts ROW_ORIGINS). */
    origin: text("origin", { enum: ROW_ORIGINS }).notNull().default("original"),
    /** JSON of a generated row's provenance: endpoint, model, template name and version, sampling, time. */
    provenance: text("provenance"),
    /**
     * KD + DAE's domain flag: a DAE phase distils a flagged row from the domain expert, any other from the
     * reference model. Set from a column at import, by task type or by hand (server/datasets/domain-flags.ts).
     */
    isDomain: integer("is_domain", { mode: "boolean" }).notNull().default(false),
  },
  // No index on the lengths: inserted in random length order they cost a bulk import more than the rows
  // themselves. The histograms read dataset_length_counts instead.
  (t) => [uniqueIndex("dataset_rows_dataset_idx").on(t.datasetId, t.idx)],
);

export const rejectedRows = sqliteTable(
  "rejected_rows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    datasetId: text("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    sourceLine: integer("source_line").notNull(),
    /** As dataset_rows.start_line. */
    startLine: integer("start_line"),
    reason: text("reason").notNull(),
    /** The offending record, truncated for storage. */
    raw: text("raw").notNull(),
  },
  (t) => [index("rejected_rows_dataset").on(t.datasetId, t.sourceLine)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    name: text("name").notNull(),
    runDir: text("run_dir").notNull(),
    datasetId: text("dataset_id"),
    /** The job.json as written. */
    spec: text("spec").notNull(),
    pid: integer("pid"),
    device: text("device"),
    lastSeq: integer("last_seq").notNull().default(0),
    /** Byte offset in events.jsonl up to which events are stored; re-attaching resumes here. */
    eventsOffset: integer("events_offset").notNull().default(0),
    progress: real("progress"),
    error: text("error"),
    /** What the studio did to the job on its own and why (a restart that took its embedded endpoint), for its pages. */
    notice: text("notice"),
    // Milliseconds since the epoch, read as numbers: the job code and the pages compute with them.
    createdAt: integer("created_at")
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    /** Running time of the attempts before the current one: a resume adds the last attempt's. */
    earlierAttemptsMs: integer("earlier_attempts_ms").notNull().default(0),
  },
  (t) => [index("jobs_kind_created").on(t.kind, t.createdAt)],
);

/** Every event of every job, keyed by (job, seq): a duplicate insert fails instead of storing twice. */
export const jobEvents = sqliteTable(
  "job_events",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    time: real("time").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] }), index("job_events_job_type").on(t.jobId, t.type, t.seq)],
);

/** One tagging pass over a dataset (a finished tag job); several can coexist and be compared. */
export const tagResults = sqliteTable("tag_results", {
  id: text("id").primaryKey(),
  datasetId: text("dataset_id")
    .notNull()
    .references(() => datasets.id, { onDelete: "cascade" }),
  jobId: text("job_id").notNull(),
  tagger: text("tagger").notNull(),
  rowCount: integer("row_count").notNull(),
  createdAt: createdAt(),
});

export const rowTags = sqliteTable(
  "row_tags",
  {
    resultId: text("result_id")
      .notNull()
      .references(() => tagResults.id, { onDelete: "cascade" }),
    rowId: integer("row_id")
      .notNull()
      .references(() => datasetRows.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    confidence: real("confidence").notNull(),
  },
  (t) => [primaryKey({ columns: [t.resultId, t.rowId] })],
);

/** Labels set by hand; they win over every tagger's label for that row. */
export const rowLabels = sqliteTable("row_labels", {
  rowId: integer("row_id")
    .primaryKey()
    .references(() => datasetRows.id, { onDelete: "cascade" }),
  datasetId: text("dataset_id")
    .notNull()
    .references(() => datasets.id, { onDelete: "cascade" }),
  label: text("label").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/** One difficulty-scoring pass (scorer + models + time); several per dataset can coexist. */
export const scoreResults = sqliteTable("score_results", {
  id: text("id").primaryKey(),
  datasetId: text("dataset_id")
    .notNull()
    .references(() => datasets.id, { onDelete: "cascade" }),
  jobId: text("job_id").notNull(),
  scorer: text("scorer").notNull(),
  /** JSON {teacher, student} model references. */
  models: text("models").notNull(),
  rowCount: integer("row_count").notNull(),
  createdAt: createdAt(),
});

export const rowScores = sqliteTable(
  "row_scores",
  {
    resultId: text("result_id")
      .notNull()
      .references(() => scoreResults.id, { onDelete: "cascade" }),
    rowId: integer("row_id")
      .notNull()
      .references(() => datasetRows.id, { onDelete: "cascade" }),
    /** The scorer's own number (POCL: RRF score, higher is easier; MFD: higher is harder). */
    score: real("score").notNull(),
    /** Normalised so that higher is harder, whatever the scorer. */
    difficulty: real("difficulty").notNull(),
    components: text("components"),
  },
  (t) => [primaryKey({ columns: [t.resultId, t.rowId] })],
);

/** A frozen curriculum version; runs launched from it point to it. */
export const curricula = sqliteTable("curricula", {
  id: text("id").primaryKey(),
  datasetId: text("dataset_id")
    .notNull()
    .references(() => datasets.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  contentHash: text("content_hash").notNull().unique(),
  /** The Curriculum (lib/planning) as saved. */
  spec: text("spec").notNull(),
  createdAt: createdAt(),
});

/**
 * How many rows of a dataset have each prompt/response length: the length histograms read these few
 * thousand rows instead of scanning a million. The import fills it; any other insert or length update of the
 * dataset's rows clears it (triggers), and the next histogram read fills it again.
 */
export const datasetLengthCounts = sqliteTable(
  "dataset_length_counts",
  {
    datasetId: text("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    field: text("field", { enum: ["prompt", "response"] }).notNull(),
    length: integer("length").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.field, t.length] })],
);

/**
 * OpenAI-compatible chat-completions servers a job may call as a teacher. The API key is not here: it lives in
 * a 0600 file in the data folder (server/endpoints/key-store.ts), so the database, its backups and exports never
 * hold one.
 */
export const endpoints = sqliteTable("endpoints", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The API root the paths are appended to, as OpenAI clients take it: `http://host:8000/v1`. */
  baseUrl: text("base_url").notNull(),
  model: text("model").notNull(),
  maxConcurrency: integer("max_concurrency").notNull(),
  requestTimeoutS: integer("request_timeout_s").notNull(),
  /** Prices in the user's currency per million tokens; null when not given (local servers). */
  inputPricePerM: real("input_price_per_m"),
  outputPricePerM: real("output_price_per_m"),
  createdAt: createdAt(),
});

/**
 * One evaluation of one model (an eval job): written when the job starts, so a run's Evaluation tab lists it
 * while it runs; its suites and answers are imported when it succeeds. `model_key` names the model evaluated
 * whatever run asked for it (server/evaluation/eval-target.ts), so a teacher's evaluation is a baseline for every run
 * with that teacher.
 */
export const evaluations = sqliteTable(
  "evaluations",
  {
    /** The eval job's id. */
    id: text("id")
      .primaryKey()
      .references(() => jobs.id, { onDelete: "cascade" }),
    /** The train run whose model this is (its student or one of its checkpoints, its teacher, its initial student); null otherwise. */
    runId: text("run_id").references(() => jobs.id, { onDelete: "cascade" }),
    modelKey: text("model_key").notNull(),
    /** "student", "checkpoint", "teacher", "initial", "path" or "endpoint". */
    role: text("role", { enum: ["student", "checkpoint", "teacher", "initial", "path", "endpoint"] }).notNull(),
    modelLabel: text("model_label").notNull(),
    /** JSON of the evaluation's settings (lib/contracts/evaluation.ts evalSettings). */
    settings: text("settings").notNull(),
    /** The judge endpoint's model name, when a suite was judged. */
    judge: text("judge"),
    createdAt: createdAt(),
  },
  (t) => [index("evaluations_run").on(t.runId), index("evaluations_model").on(t.modelKey)],
);

/** A succeeded evaluation's figures per suite, as its eval.json gives them. */
export const evalSuites = sqliteTable(
  "eval_suites",
  {
    evaluationId: text("evaluation_id")
      .notNull()
      .references(() => evaluations.id, { onDelete: "cascade" }),
    suite: text("suite").notNull(),
    items: integer("items").notNull(),
    /** Judgments that could not be parsed (left out of the mean). */
    unparsed: integer("unparsed"),
    /** JSON {metric: {mean, std, n}}. */
    metrics: text("metrics").notNull(),
    /** JSON {category: {mean, n}}, or null. */
    byCategory: text("by_category"),
  },
  (t) => [primaryKey({ columns: [t.evaluationId, t.suite] })],
);

/** Every answer an evaluation graded (eval_answers.jsonl), one per item, turn and seed. */
export const evalAnswers = sqliteTable(
  "eval_answers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    evaluationId: text("evaluation_id")
      .notNull()
      .references(() => evaluations.id, { onDelete: "cascade" }),
    suite: text("suite").notNull(),
    itemId: text("item_id").notNull(),
    category: text("category"),
    turn: integer("turn").notNull(),
    seed: integer("seed"),
    prompt: text("prompt").notNull(),
    answer: text("answer").notNull(),
    reference: text("reference"),
    score: real("score"),
    judgeExplanation: text("judge_explanation"),
    passed: integer("passed", { mode: "boolean" }),
    /** JSON of the checker's details (IFEval's per-instruction verdicts), or null. */
    details: text("details"),
  },
  (t) => [index("eval_answers_item").on(t.evaluationId, t.suite, t.itemId, t.turn, t.seed)],
);

/**
 * Versions of the generation jobs' prompt templates, per kind and per task type ("" is the kind-wide default).
 * Saving never changes a row: it adds the next version, so what a generated row's provenance names stays
 * readable. A scope with no rows uses its built-in template (lib/generation/builtin-templates.ts) as version 1.
 */
export const promptTemplates = sqliteTable(
  "prompt_templates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: TEMPLATE_KINDS }).notNull(),
    taskType: text("task_type").notNull(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("prompt_templates_scope_version").on(t.kind, t.taskType, t.version)],
);

/** A TAPIR pipeline (lib/contracts/pipeline.ts): its settings as created, and where it stands. */
export const pipelines = sqliteTable("pipelines", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status", { enum: ["running", "paused", "failed", "succeeded", "cancelled"] }).notNull(),
  /** JSON of the parsed PipelineSettings. */
  settings: text("settings").notNull(),
  settingsHash: text("settings_hash").notNull(),
  /** Why it stopped (a failed step's sentence), or null. */
  message: text("message"),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * One step of a pipeline: every round's steps (round ≥ 1) and the baselines (round 0) are inserted when the
 * pipeline is created, pending; the orchestrator (server/pipelines/orchestrator.ts) moves them on. `output` is
 * what later steps read (the round set's dataset, the run, the score pass, the evaluation); `frozen` the
 * artifacts it used or made, with their content hashes.
 */
export const pipelineSteps = sqliteTable(
  "pipeline_steps",
  {
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    round: integer("round").notNull(),
    /** Order within the round. */
    position: integer("position").notNull(),
    kind: text("kind").notNull(),
    status: text("status", { enum: ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] }).notNull(),
    jobId: text("job_id"),
    attempts: integer("attempts").notNull().default(0),
    message: text("message"),
    /** JSON object (server/pipelines/step-output.ts StepOutput). */
    output: text("output"),
    /** JSON array of FrozenArtifact. */
    frozen: text("frozen").notNull().default("[]"),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.pipelineId, t.round, t.position] }), index("pipeline_steps_job").on(t.jobId)],
);

/**
 * A teacher-logit cache (docs/logit-cache.md): the teacher_cache job that builds it, in its run folder's
 * teacher-cache/, and what a launch matches a run against before it may use it instead of the live teacher. The
 * job's row says whether it is built; `tokens`, `bytes` and `key` (JSON of manifest.json's key: teacher identity,
 * chat template hash, max_length, max_prompt_length) are filled in when it succeeds.
 */
export const teacherCaches = sqliteTable(
  "teacher_caches",
  {
    /** The teacher_cache job's id. */
    id: text("id")
      .primaryKey()
      .references(() => jobs.id, { onDelete: "cascade" }),
    datasetId: text("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    /** JSON of the modelRef as the job got it (a path confined and made absolute). */
    teacher: text("teacher").notNull(),
    maxLength: integer("max_length").notNull(),
    maxPromptLength: integer("max_prompt_length").notNull(),
    topK: integer("top_k").notNull(),
    rows: integer("rows").notNull(),
    tokens: integer("tokens"),
    bytes: integer("bytes"),
    key: text("key"),
    createdAt: createdAt(),
  },
  (t) => [index("teacher_caches_dataset").on(t.datasetId)],
);
