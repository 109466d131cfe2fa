import type { PromptTemplate } from "~/lib/contracts/job";
import type { TaskType } from "~/lib/contracts/taxonomy";

/**
 * The rewrite job's built-in style prompts (TAPIR §5): reasoning spelled out step by step for Math and Reasoning,
 * commented code with an explanation for Code Generation and Code Debug, and for every other task type a clear,
 * complete, well-organised answer. The Templates page edits them; these are version 1 and what "reset" restores.
 */

const KEEP = "Keep every fact of the original answer that is correct, fix what is wrong, and reply with the rewritten answer only.";

export const DEFAULT_REWRITE_TEMPLATE: PromptTemplate = {
  name: "rewrite-clear",
  version: 1,
  text: `Rewrite the answer below so that it answers the instruction clearly, completely and in a well-organised way (a short direct answer first, then the details that help). ${KEEP}\n\nInstruction:\n{instruction}\n\nAnswer:\n{answer}`,
};

const STEP_BY_STEP = `Rewrite the answer below as step-by-step reasoning: restate what is asked, work through it one numbered step at a time, showing each intermediate result, and end with a line "Final answer: …". ${KEEP}\n\nTask type: {task_type}\n\nInstruction:\n{instruction}\n\nAnswer:\n{answer}`;

const COMMENTED_CODE = (task: string) =>
  `Rewrite the answer below for a ${task} task: give the complete code in a fenced code block with comments explaining the non-obvious lines, then a short explanation of how it works${task === "debugging" ? ", what the bug was and why the fix is right" : ""}. ${KEEP}\n\nInstruction:\n{instruction}\n\nAnswer:\n{answer}`;

export const REWRITE_TEMPLATES_BY_TYPE: Partial<Record<TaskType, PromptTemplate>> = {
  Math: { name: "rewrite-step-by-step", version: 1, text: STEP_BY_STEP },
  Reasoning: { name: "rewrite-step-by-step", version: 1, text: STEP_BY_STEP },
  "Code Generation": { name: "rewrite-commented-code", version: 1, text: COMMENTED_CODE("code generation") },
  "Code Debug": { name: "rewrite-commented-fix", version: 1, text: COMMENTED_CODE("debugging") },
};
