import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { DEFAULT_ANSWER_TEMPLATE } from "~/lib/contracts/generation";
import { DEFAULT_EXPAND_TEMPLATE } from "~/lib/generation/expand-template";
import { DEFAULT_REWRITE_TEMPLATE, REWRITE_TEMPLATES_BY_TYPE } from "~/lib/generation/rewrite-templates";
import { createCaller } from "~/server/api/root";
import { templatesByTaskType } from "./template-store";
import { apiContext, tempStudio, type Studio } from "~/test/support/studio";

/** The prompt template store through its tRPC procedures, on a real SQLite file. */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

function api() {
  studio = tempStudio();
  return createCaller(apiContext(studio));
}

const MATH = REWRITE_TEMPLATES_BY_TYPE.Math!;

describe("prompt templates", () => {
  it("start as the built-in ones: each kind's default, and a rewrite style for Math, Reasoning and code, which other types inherit", async () => {
    const caller = api();
    const rewrite = await caller.generation.templates({ kind: "rewrite" });
    const of = (type: string | null) => rewrite.find((t) => t.taskType === type)!;
    expect(rewrite).toHaveLength(33); // the default and the 32 task types
    expect(of(null)).toMatchObject({ ...DEFAULT_REWRITE_TEMPLATE, inherited: false });
    expect(of("Math")).toMatchObject({ name: "rewrite-step-by-step", version: 1, inherited: false });
    expect(of("Reasoning").text).toBe(of("Math").text);
    expect(of("Code Generation").text).toContain("code block with comments");
    expect(of("Code Debug").text).toContain("bug");
    expect(of("Writing")).toMatchObject({ ...DEFAULT_REWRITE_TEMPLATE, inherited: true });
    // Answer templates are per task type too, every type taking the default until it gets its own.
    const answer = await caller.generation.templates({ kind: "answer" });
    expect(answer).toHaveLength(33);
    expect(answer[0]).toEqual({ taskType: null, ...DEFAULT_ANSWER_TEMPLATE, inherited: false });
    expect(answer.slice(1).every((t) => t.taskType !== null && t.inherited && t.text === DEFAULT_ANSWER_TEMPLATE.text)).toBe(true);
    expect(await caller.generation.templateHistory({ kind: "rewrite", taskType: "Math" })).toEqual([{ ...MATH, createdAt: null }]);
  });

  it("saves an edit as the next version and keeps every earlier one readable, in the same SQLite file after a reopen", async () => {
    const caller = api();
    const edited = `${MATH.text}\nUse LaTeX for formulas.`;
    expect(await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: edited })).toEqual({ name: MATH.name, version: 2, text: edited });
    // The same text again is no new version.
    expect(await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: edited })).toMatchObject({ version: 2 });
    await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: "Solve {instruction} step by step; it was: {answer}" });

    const reopened = createCaller(apiContext({ ...studio!, db: openDb(studio!.dbFile) }));
    const history = await reopened.generation.templateHistory({ kind: "rewrite", taskType: "Math" });
    expect(history.map((v) => [v.version, v.text])).toEqual([
      [3, "Solve {instruction} step by step; it was: {answer}"],
      [2, edited],
      [1, MATH.text],
    ]);
    expect(history.every((v) => typeof v.createdAt === "number")).toBe(true);
    expect((await reopened.generation.templates({ kind: "rewrite" })).find((t) => t.taskType === "Math")).toMatchObject({ version: 3 });
    // Reasoning shared Math's built-in text and keeps it.
    expect((await reopened.generation.templates({ kind: "rewrite" })).find((t) => t.taskType === "Reasoning")).toMatchObject({ version: 1, text: MATH.text });
  });

  it("refuses a placeholder its kind's job does not fill, naming it and what the job fills, and saves nothing", async () => {
    const caller = api();
    await expect(caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: "Redo {answr} for {instruction}" })).rejects.toThrow(
      "the rewrite template for Math uses {answr}, which the rewrite job does not fill: it fills {instruction}, {answer}, {task_type}.",
    );
    // {answer} belongs to rewrite, not to the answer job.
    await expect(caller.generation.saveTemplate({ kind: "answer", taskType: null, text: "{prompt}\n\nA draft: {answer}" })).rejects.toThrow(
      "the answer template uses {answer}, which the answer job does not fill: it fills {prompt}.",
    );
    await expect(caller.generation.saveTemplate({ kind: "rewrite", taskType: "Maths", text: "{answer}" })).rejects.toThrow('"Maths" is not a task type of the taxonomy');
    await expect(caller.generation.saveTemplate({ kind: "expand", taskType: "Math", text: "{examples} {answer}" })).rejects.toThrow(
      "the expand template for Math uses {answer}, which the expand job does not fill: it fills {task_type}, {examples}, {count}.",
    );
    // Braces that are no placeholder are literal text: JSON in a template is fine.
    await caller.generation.saveTemplate({ kind: "answer", taskType: null, text: 'Reply as {"answer": "..."} to: {prompt}' });
    expect(await caller.generation.templateHistory({ kind: "rewrite", taskType: "Math" })).toEqual([{ ...MATH, createdAt: null }]);
  });

  it("refuses an answer template without {prompt} and a rewrite template without {answer}, and saves nothing", async () => {
    const caller = api();
    await expect(caller.generation.saveTemplate({ kind: "answer", taskType: null, text: "Answer briefly." })).rejects.toThrow(
      "the answer template must use {prompt}: without it every row would send the teacher the same request. Put {prompt} where the row's text goes.",
    );
    await expect(caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: "Rewrite the answer to {instruction} step by step." })).rejects.toThrow(
      "the rewrite template for Math must use {answer}",
    );
    expect(await caller.generation.templateHistory({ kind: "rewrite", taskType: "Math" })).toEqual([{ ...MATH, createdAt: null }]);
    expect((await caller.generation.templates({ kind: "answer" }))[0]).toMatchObject({ ...DEFAULT_ANSWER_TEMPLATE });
  });

  it("resets to the built-in template as a new version, the edits staying in the history", async () => {
    const caller = api();
    await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: "Just {answer}" });
    expect(await caller.generation.resetTemplate({ kind: "rewrite", taskType: "Math" })).toEqual({ ...MATH, version: 3 });
    expect((await caller.generation.templateHistory({ kind: "rewrite", taskType: "Math" })).map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it("gives a type that inherited the default a template of its own on its first edit; later edits of the default leave it be", async () => {
    const caller = api();
    const own = await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Writing", text: "Polish the prose of {answer}" });
    expect(own).toEqual({ name: "rewrite-clear-writing", version: 1, text: "Polish the prose of {answer}" });
    await caller.generation.saveTemplate({ kind: "rewrite", taskType: null, text: "Improve {answer}" });
    const all = await caller.generation.templates({ kind: "rewrite" });
    expect(all.find((t) => t.taskType === "Writing")).toMatchObject({ version: 1, text: "Polish the prose of {answer}", inherited: false });
    expect(all.find((t) => t.taskType === "History")).toMatchObject({ name: DEFAULT_REWRITE_TEMPLATE.name, version: 2, text: "Improve {answer}", inherited: true });
    // Its reset gives it the kind-wide built-in text.
    expect(await caller.generation.resetTemplate({ kind: "rewrite", taskType: "Writing" })).toMatchObject({ version: 2, text: DEFAULT_REWRITE_TEMPLATE.text });
  });

  it("gives an expand job each task type's own expand template over the default, versioned, with its own placeholders", async () => {
    const caller = api();
    const expand = await caller.generation.templates({ kind: "expand" });
    expect(expand).toHaveLength(33);
    expect(expand[0]).toEqual({ taskType: null, ...DEFAULT_EXPAND_TEMPLATE, inherited: false });
    expect(expand.slice(1).every((t) => t.inherited && t.text === DEFAULT_EXPAND_TEMPLATE.text)).toBe(true);
    await expect(caller.generation.saveTemplate({ kind: "expand", taskType: null, text: "Write {count} like {examples} for {prompt}" })).rejects.toThrow(
      "the expand template uses {prompt}, which the expand job does not fill: it fills {task_type}, {examples}, {count}.",
    );
    const mathText = "Write {count} new word problems with numbers, like these:\n{examples}";
    const math = await caller.generation.saveTemplate({ kind: "expand", taskType: "Math", text: mathText });
    expect(math).toEqual({ name: `${DEFAULT_EXPAND_TEMPLATE.name}-math`, version: 1, text: mathText });
    const edited = `${DEFAULT_EXPAND_TEMPLATE.text}\nWrite every instruction in English.`;
    expect(await caller.generation.saveTemplate({ kind: "expand", taskType: null, text: edited })).toEqual({ name: DEFAULT_EXPAND_TEMPLATE.name, version: 2, text: edited });
    expect((await caller.generation.templateHistory({ kind: "expand", taskType: null })).map((v) => v.version)).toEqual([2, 1]);
    // Math keeps its own; every other type takes the edited default, so the job is given Math's alone.
    expect(templatesByTaskType(studio!.db, "expand")).toEqual({ default: { name: DEFAULT_EXPAND_TEMPLATE.name, version: 2, text: edited }, by_task_type: { Math: math } });
    expect((await caller.generation.templates({ kind: "expand" })).find((t) => t.taskType === "Writing")).toMatchObject({ version: 2, inherited: true });
  });

  it("gives an answer job each task type's own answer template over the default, versioned, as the job gets them", async () => {
    const caller = api();
    const math = await caller.generation.saveTemplate({ kind: "answer", taskType: "Math", text: "Solve step by step: {prompt}" });
    expect(math).toEqual({ name: `${DEFAULT_ANSWER_TEMPLATE.name}-math`, version: 1, text: "Solve step by step: {prompt}" });
    expect(await caller.generation.saveTemplate({ kind: "answer", taskType: "Math", text: "Solve it step by step: {prompt}" })).toMatchObject({ version: 2 });
    const fallback = await caller.generation.saveTemplate({ kind: "answer", taskType: null, text: "Answer briefly: {prompt}" });
    expect(fallback).toMatchObject({ name: DEFAULT_ANSWER_TEMPLATE.name, version: 2 });
    expect(templatesByTaskType(studio!.db, "answer")).toEqual({
      default: { name: DEFAULT_ANSWER_TEMPLATE.name, version: 2, text: "Answer briefly: {prompt}" },
      by_task_type: { Math: { name: `${DEFAULT_ANSWER_TEMPLATE.name}-math`, version: 2, text: "Solve it step by step: {prompt}" } },
    });
    expect((await caller.generation.templateHistory({ kind: "answer", taskType: "Math" })).map((t) => t.version)).toEqual([2, 1]);
    // A type reset to the built-in gets the default's text as a version of its own.
    expect(await caller.generation.resetTemplate({ kind: "answer", taskType: "Math" })).toMatchObject({ version: 3, text: DEFAULT_ANSWER_TEMPLATE.text });
  });
});
