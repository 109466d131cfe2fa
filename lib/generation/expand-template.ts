import type { PromptTemplate } from "~/lib/contracts/job";

/**
 * The template an expand job (TAPIR §4) sends unless told otherwise. Its placeholders: {task_type} (a task type
 * of the taxonomy), {examples} (the in-context instructions of that type, numbered "1. …", one per paragraph)
 * and {count} (how many new instructions to write). It asks for a plain numbered list and nothing else, which is
 * what the job reads back most reliably (trainer/distill/generate/instruction_list.py reads other shapes too).
 * Bump `version` when the text changes: every expanded row records the name and version it was made with.
 */
export const DEFAULT_EXPAND_TEMPLATE = {
  name: "expand-from-examples",
  version: 1,
  text: [
    'You are writing new instructions to train an assistant. Every instruction below is of the task type "{task_type}".',
    "",
    "Examples:",
    "{examples}",
    "",
    'Write {count} new instructions of the task type "{task_type}". Each must be about as difficult as the examples, different from them and from each other, and complete on its own: include any data, text or code it refers to. Do not answer them.',
    "",
    "Reply with a numbered list (1., 2., …), one instruction per item, and nothing else.",
  ].join("\n"),
} as const satisfies PromptTemplate;
