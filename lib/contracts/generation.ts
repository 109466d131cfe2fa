import { z } from "zod";
import { idField, searchText } from "./text-bounds";

/** The template an answer job uses unless told otherwise: the user's turn, as it is. */
export const DEFAULT_ANSWER_TEMPLATE = { name: "answer-as-is", version: 1, text: "{prompt}" } as const;

/** Where a dataset row came from: imported, a teacher's answer, a new instruction (TAPIR §4) or a rewrite (§5). */
export const ROW_ORIGINS = ["original", "teacher_answer", "expanded", "rewritten"] as const;
export const rowOrigin = z.enum(ROW_ORIGINS);
export type RowOrigin = z.infer<typeof rowOrigin>;

/** How the studio names each origin in a sentence. */
export const ORIGIN_LABELS: Record<RowOrigin, string> = {
  original: "original",
  teacher_answer: "teacher answer",
  expanded: "expanded",
  rewritten: "rewritten",
};

/**
 * Which of a dataset's rows an answer job answers (duplicates aside, always): all of them, those the dataset
 * page's row browser shows for a search (among the rows of one origin, when it filters by origin), or those a saved
 * curriculum's plan selects (each once).
 */
export const answerSubset = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }),
  z.object({ kind: z.literal("search"), q: searchText, origin: rowOrigin.optional() }),
  z.object({ kind: z.literal("curriculum"), curriculumId: idField("a curriculum id") }),
]);
export type AnswerSubset = z.infer<typeof answerSubset>;

export const answerSubsetInput = z.object({ datasetId: idField("a dataset id"), subset: answerSubset.default({ kind: "all" }) });

/** The teacher and its sampling, as the dataset page's generation forms send them. */
const teacherSettings = {
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.7),
  maxTokens: z.number().int("max tokens is a whole number").min(1, "max tokens is at least 1").max(32768, "max tokens is at most 32,768").default(512),
};

/** What the dataset page's "Answer with a teacher" form sends. */
export const startAnswerInput = answerSubsetInput.extend(teacherSettings);
export type StartAnswerInput = z.input<typeof startAnswerInput>;

/** What the dataset page's "Rewrite with a teacher" form sends: every row with an answer is rewritten. */
export const startRewriteInput = z.object({ datasetId: idField("a dataset id"), ...teacherSettings });
export type StartRewriteInput = z.input<typeof startRewriteInput>;

/** What a saved curriculum's "Expand with a teacher" form sends (TAPIR §4; the targets come from its resampling). */
export const startExpandInput = z.object({
  curriculumId: idField("a curriculum id"),
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.8),
  maxTokens: z.number().int("max tokens is a whole number").min(16, "max tokens is at least 16").max(32768, "max tokens is at most 32,768").default(512),
  examplesPerRequest: z.number().int("examples per request is a whole number").min(1, "examples per request is at least 1").max(20, "examples per request is at most 20").default(3),
  instructionsPerRequest: z.number().int("instructions per request is a whole number").min(1, "instructions per request is at least 1").max(50, "instructions per request is at most 50").default(5),
  nearDuplicateThreshold: z.number().gt(0, "the near-duplicate threshold is above 0").max(1, "the near-duplicate threshold is at most 1").default(0.9),
  maxRequestsPerType: z.number().int("the request cap is a whole number").min(1, "the request cap is at least 1").max(1000, "the request cap is at most 1,000").default(20),
});
export type StartExpandInput = z.input<typeof startExpandInput>;

/** The counts an expand job reports in its progress events and its result (docs/generation.md). */
export const EXPAND_COUNTS = ["generated", "exact_duplicates", "near_duplicates", "tag_mismatches", "surplus", "kept", "answered", "set_aside"] as const;
export type ExpandCounts = Partial<Record<(typeof EXPAND_COUNTS)[number], number>>;

/** What a generated row records of how it was made (the generation jobs' provenance, docs/generation.md). */
export type RowProvenance = {
  /** The base URL the job connected to. */
  endpoint: string;
  /** Who answered, the same across the endpoint's moves (docs/generation.md); absent in rows made before it. */
  endpoint_identity?: string;
  model: string;
  template: { name: string; version: number };
  sampling: Record<string, number>;
  time: string;
  /** An expanded row: the template its answer was asked with, and the request and in-context rows its instruction came from. */
  answer_template?: { name: string; version: number };
  expansion?: { request: string; examples: string[] };
  /** A rewrite's: the task type whose template it used (null: none known) and the answers it rewrote, in order. */
  task_type?: string | null;
  original_answers?: string[];
};

/**
 * The jobs whose prompts are templates the studio stores and versions (the Templates page), each kind with a
 * default and a template per task type (an expand job's: the type of the instructions it asks for).
 */
export const TEMPLATE_KINDS = ["answer", "expand", "rewrite"] as const;
export const templateKind = z.enum(TEMPLATE_KINDS);
export type TemplateKind = z.infer<typeof templateKind>;

/** The placeholders each kind's job fills (docs/generation.md); a template may use no others. */
export const TEMPLATE_PLACEHOLDERS: Record<TemplateKind, readonly string[]> = {
  answer: ["prompt"],
  expand: ["task_type", "examples", "count"],
  rewrite: ["instruction", "answer", "task_type"],
};

/** `{name}` as the trainer's template.py reads it: every other brace is literal text. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names a template uses, each once, in order of first use. */
const usedPlaceholders = (text: string): Set<string> => new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!));

/** The placeholders a template uses that its kind's job does not fill, in order of first use. */
export function unknownPlaceholders(kind: TemplateKind, text: string): string[] {
  const allowed = new Set(TEMPLATE_PLACEHOLDERS[kind]);
  return [...usedPlaceholders(text)].filter((name) => !allowed.has(name));
}

/**
 * The placeholder each kind's job cannot do without: the text the teacher is to answer or rewrite. A template
 * without it sends every row the same request, and the job would make a dataset of one answer repeated.
 */
const REQUIRED_PLACEHOLDERS: Record<TemplateKind, readonly string[]> = { answer: ["prompt"], expand: [], rewrite: ["answer"] };

/** The required placeholders a template lacks. */
export function missingPlaceholders(kind: TemplateKind, text: string): string[] {
  const used = usedPlaceholders(text);
  return REQUIRED_PLACEHOLDERS[kind].filter((name) => !used.has(name));
}

export const MAX_TEMPLATE_TEXT = 20_000;

/** A template's scope: a task type of the taxonomy, or null for the kind-wide default. */
const templateScope = {
  kind: templateKind,
  taskType: z.string().min(1).max(100, "a task type is at most 100 characters").nullable(),
};
export const templateScopeInput = z.object(templateScope);

/** What the Templates page sends to save a new version. */
export const saveTemplateInput = z.object({
  ...templateScope,
  text: z.string().trim().min(1, "a template needs some text").max(MAX_TEMPLATE_TEXT, `a template is at most ${MAX_TEMPLATE_TEXT.toLocaleString("en")} characters`),
});
export type SaveTemplateInput = z.input<typeof saveTemplateInput>;
