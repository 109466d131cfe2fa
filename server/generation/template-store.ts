import { and, desc, eq, max } from "drizzle-orm";
import type { Db } from "~/db/client";
import { epochMs } from "~/db/epoch-ms";
import { promptTemplates } from "~/db/schema";
import { missingPlaceholders, TEMPLATE_PLACEHOLDERS, unknownPlaceholders, type TemplateKind } from "~/lib/contracts/generation";
import type { PromptTemplate } from "~/lib/contracts/job";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { BadRequest } from "~/lib/errors";
import { builtinTemplate } from "~/lib/generation/builtin-templates";

/**
 * The prompt templates of the generation jobs, versioned per kind and task type (db/schema.ts promptTemplates).
 * A scope (kind, task type or null for the kind-wide default) that was never saved uses its built-in template
 * as version 1; the first save stores that version 1 too, so the history is complete. A task type with neither a
 * saved nor a built-in template of its own takes the kind-wide default.
 */

/** The stored column for a scope: "" is the kind-wide default. */
const column = (taskType: string | null) => taskType ?? "";

export type TemplateVersion = PromptTemplate & { createdAt: number | null };

/** A scope's versions, newest first; the built-in version 1 alone (createdAt null) when never saved. */
export function templateHistory(db: Db, kind: TemplateKind, taskType: string | null): TemplateVersion[] {
  checkScope(taskType);
  const saved = db
    .select({ name: promptTemplates.name, version: promptTemplates.version, text: promptTemplates.text, createdAt: epochMs(promptTemplates.createdAt) })
    .from(promptTemplates)
    .where(and(eq(promptTemplates.kind, kind), eq(promptTemplates.taskType, column(taskType))))
    .orderBy(desc(promptTemplates.version))
    .all();
  if (saved.length) return saved;
  const builtin = builtinTemplate(kind, taskType);
  return builtin ? [{ ...builtin, createdAt: null }] : [];
}

/** The template a job of `kind` uses for rows of `taskType` (null: rows without one), and whose it is. */
export function currentTemplate(db: Db, kind: TemplateKind, taskType: string | null): PromptTemplate & { inherited: boolean } {
  const own = templateHistory(db, kind, taskType)[0];
  if (own) return { name: own.name, version: own.version, text: own.text, inherited: false };
  return { ...currentTemplate(db, kind, null), inherited: true };
}

/** The template a job of `kind` is given for rows of `taskType` (null: the kind-wide default), as job.json has it. */
function jobTemplate(db: Db, kind: TemplateKind, taskType: string | null): PromptTemplate {
  const { name, version, text } = currentTemplate(db, kind, taskType);
  return { name, version, text };
}

/**
 * A kind's templates as a job is given them now: the default, and every task type's that is its own (a type
 * that inherits the default is left out: the job falls back to it).
 */
export function templatesByTaskType(db: Db, kind: TemplateKind): { default: PromptTemplate; by_task_type: Record<string, PromptTemplate> } {
  const byType: Record<string, PromptTemplate> = {};
  for (const type of TASK_TYPES) {
    if (!currentTemplate(db, kind, type).inherited) byType[type] = jobTemplate(db, kind, type);
  }
  return { default: jobTemplate(db, kind, null), by_task_type: byType };
}

/** Every scope of a kind with its current template: the kind-wide default first, then each task type. */
export function templatesOf(db: Db, kind: TemplateKind) {
  return [null, ...TASK_TYPES].map((taskType) => ({ taskType, ...currentTemplate(db, kind, taskType) }));
}

/**
 * Saves `text` as the scope's next version (its name kept; a type that inherited the default gets the default's
 * name with the type appended) and returns it. Refused with the placeholder named when the kind's job cannot
 * fill one; text equal to the current version's saves nothing and returns that version.
 */
export function saveTemplate(db: Db, kind: TemplateKind, taskType: string | null, text: string): PromptTemplate {
  checkScope(taskType);
  const unknown = unknownPlaceholders(kind, text);
  if (unknown.length) {
    const names = unknown.map((n) => `{${n}}`).join(", ");
    const allowed = TEMPLATE_PLACEHOLDERS[kind].map((n) => `{${n}}`).join(", ");
    throw new BadRequest(`the ${kind} template${taskType ? ` for ${taskType}` : ""} uses ${names}, which the ${kind} job does not fill: it fills ${allowed}. Fix the name or write the braces another way.`);
  }
  const missing = missingPlaceholders(kind, text);
  if (missing.length) {
    const names = missing.map((n) => `{${n}}`).join(", ");
    throw new BadRequest(`the ${kind} template${taskType ? ` for ${taskType}` : ""} must use ${names}: without it every row would send the teacher the same request. Put ${names} where the row's text goes.`);
  }
  const current = currentTemplate(db, kind, taskType);
  if (!current.inherited && current.text === text) return { name: current.name, version: current.version, text };
  return db.transaction((tx) => {
    const scope = and(eq(promptTemplates.kind, kind), eq(promptTemplates.taskType, column(taskType)));
    const last = tx.select({ version: max(promptTemplates.version) }).from(promptTemplates).where(scope).get()?.version ?? null;
    const builtin = builtinTemplate(kind, taskType);
    // The built-in version 1 goes into the history before the first edit of a scope that has one.
    if (last === null && builtin) tx.insert(promptTemplates).values({ kind, taskType: column(taskType), ...builtin }).run();
    const name = current.inherited ? `${current.name}-${taskType!.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-")}` : current.name;
    const saved = { name, version: (last ?? (builtin ? 1 : 0)) + 1, text };
    tx.insert(promptTemplates).values({ kind, taskType: column(taskType), ...saved }).run();
    return saved;
  });
}

/** Saves the built-in text (the type's own, else the kind-wide one) as the scope's next version. */
export function resetTemplate(db: Db, kind: TemplateKind, taskType: string | null): PromptTemplate {
  const builtin = builtinTemplate(kind, taskType) ?? builtinTemplate(kind, null)!;
  return saveTemplate(db, kind, taskType, builtin.text);
}

function checkScope(taskType: string | null): void {
  if (taskType !== null && !(TASK_TYPES as string[]).includes(taskType)) {
    throw new BadRequest(`"${taskType}" is not a task type of the taxonomy (${TASK_TYPES.join(", ")})`);
  }
}
