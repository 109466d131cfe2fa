import { z } from "zod";
import { idField } from "./text-bounds";

/** The template an answer job uses unless told otherwise: the user's turn, as it is. */
export const DEFAULT_ANSWER_TEMPLATE = { name: "answer-as-is", version: 1, text: "{prompt}" } as const;

/** What the dataset page's "Answer with a teacher" and "Rewrite with a teacher" forms send. */
export const startGenerationInput = z.object({
  datasetId: idField("a dataset id"),
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.7),
  maxTokens: z.number().int("max tokens is a whole number").min(1, "max tokens is at least 1").max(32768, "max tokens is at most 32,768").default(512),
});
export type StartGenerationInput = z.input<typeof startGenerationInput>;

/** Where a dataset row came from: imported, a teacher's answer, a new instruction (TAPIR §4) or a rewrite (§5). */
export const ROW_ORIGINS = ["original", "teacher_answer", "expanded", "rewritten"] as const;
export const rowOrigin = z.enum(ROW_ORIGINS);
export type RowOrigin = z.infer<typeof rowOrigin>;

/** What a generated row records of how it was made (the generation jobs' provenance, docs/generation.md). */
export type RowProvenance = {
  endpoint: string;
  model: string;
  template: { name: string; version: number };
  sampling: Record<string, number>;
  time: string;
  /** A rewrite's: the task type whose template it used (null: none known) and the answers it rewrote, in order. */
  task_type?: string | null;
  original_answers?: string[];
};

/** The jobs whose prompts are templates the studio stores and versions (the Templates page). */
export const TEMPLATE_KINDS = ["answer", "rewrite"] as const;
export const templateKind = z.enum(TEMPLATE_KINDS);
export type TemplateKind = z.infer<typeof templateKind>;

/** The placeholders each kind's job fills (docs/generation.md); a template may use no others. */
export const TEMPLATE_PLACEHOLDERS: Record<TemplateKind, readonly string[]> = {
  answer: ["prompt"],
  rewrite: ["instruction", "answer", "task_type"],
};

/** Whether a kind's job picks a template per task type; an answer job uses its one template for every row. */
export const TEMPLATES_PER_TASK_TYPE: Record<TemplateKind, boolean> = { answer: false, rewrite: true };

/** `{name}` as the trainer's template.py reads it: every other brace is literal text. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholders a template uses that its kind's job does not fill, in order of first use. */
export function unknownPlaceholders(kind: TemplateKind, text: string): string[] {
  const allowed = new Set(TEMPLATE_PLACEHOLDERS[kind]);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].filter((name) => !allowed.has(name));
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
