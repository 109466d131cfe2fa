import { DEFAULT_ANSWER_TEMPLATE, type TemplateKind } from "~/lib/contracts/generation";
import type { PromptTemplate } from "~/lib/contracts/job";
import { DEFAULT_EXPAND_TEMPLATE } from "./expand-template";
import { DEFAULT_REWRITE_TEMPLATE, REWRITE_TEMPLATES_BY_TYPE } from "./rewrite-templates";

/**
 * A kind's built-in template for a task type (null: the kind-wide default), or null when the type has none of
 * its own and takes the kind-wide one. What the Templates page shows before any edit and "reset" restores.
 */
export function builtinTemplate(kind: TemplateKind, taskType: string | null): PromptTemplate | null {
  if (kind === "answer") return taskType === null ? DEFAULT_ANSWER_TEMPLATE : null;
  if (kind === "expand") return taskType === null ? DEFAULT_EXPAND_TEMPLATE : null;
  if (taskType === null) return DEFAULT_REWRITE_TEMPLATE;
  return (REWRITE_TEMPLATES_BY_TYPE as Record<string, PromptTemplate | undefined>)[taskType] ?? null;
}
