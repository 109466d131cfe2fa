import { z } from "zod";
import type { ColumnMapping } from "~/lib/contracts/job";
import type { AlpacaSource, CanonicalRow, ChatMessage, Role } from "./canonical";
import { alpacaToMessages } from "./canonical";
import { domainFlag } from "./domain-flag";
import { formatMb } from "./limits";
import { isWellFormed, loneSurrogateAt } from "./utf8";

type Shaped = { rows: CanonicalRow[] } | { reason: string };
export type Normalized = { rows: CanonicalRow[]; isDomain: boolean } | { reason: string };

const optionalText = z.string().nullish();
const alpacaRecord = z.object({
  instruction: z.string(),
  input: optionalText,
  output: optionalText,
  system: optionalText,
  history: z.array(z.tuple([z.string(), z.string()])).nullish(),
});
const selfInstructRecord = z.object({
  instruction: z.string(),
  instances: z.array(z.object({ input: optionalText, output: optionalText })).min(1),
});
const textPart = z.object({ type: z.string(), text: z.string().optional() });
const openAiMessages = z.array(
  z.object({ role: z.enum(["system", "user", "assistant"]), content: z.union([z.string(), z.array(textPart)]) }),
);
const shareGptMessages = z.array(z.object({ from: z.string(), value: z.string() }));
const plainTurns = z.array(z.string());

/** ShareGPT speaker names; anything else (tool calls, observations) is not a chat turn we can train on. */
const SPEAKERS: Record<string, Role> = {
  system: "system",
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  chatgpt: "assistant",
  model: "assistant",
  bard: "assistant",
  bing: "assistant",
};

/**
 * Turns one parsed record into canonical rows (several for Self-Instruct, whose instances each become one),
 * or a specific reason it cannot be used. The record's shape decides how it is read, whatever container it
 * came in: a conversation column (OpenAI messages, ShareGPT conversations, or MT-Bench's plain user `turns`
 * with optional `reference` answers), Self-Instruct `instances`, or Alpaca fields. A row with no answer is
 * valid and prompt-only (empty response): benchmarks such as MT-Bench are imported to be generated for.
 */
export function normalizeRecord(value: unknown, mapping: ColumnMapping, maxField: number): Normalized {
  const shaped = normalizeShape(value, mapping, maxField);
  if ("reason" in shaped) return shaped;
  const flag = mapping.domain === undefined ? false : domainFlag((value as Record<string, unknown>)[mapping.domain]);
  if (typeof flag === "string") return { reason: `field "${mapping.domain}" (domain flag) ${flag}` };
  return { rows: shaped.rows, isDomain: flag };
}

function normalizeShape(value: unknown, mapping: ColumnMapping, maxField: number): Shaped {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { reason: `expected a JSON object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const problem = fieldProblem(record, maxField);
  if (problem) return { reason: problem };
  if (mapping.messages && record[mapping.messages] !== undefined) return conversation(record, mapping);
  if (Array.isArray(record.instances) && (!mapping.output || record[mapping.output] === undefined)) {
    return selfInstruct(record, mapping);
  }
  if (mapping.instruction && record[mapping.instruction] !== undefined) return alpaca(record, mapping);
  const columns = Object.keys(record).slice(0, 8).join(", ");
  return {
    reason:
      `no instruction or conversation field: expected ${mapping.instruction ? `"${mapping.instruction}"` : "an instruction column"}` +
      ` or ${mapping.messages ? `"${mapping.messages}"` : "a messages/conversations/turns column"}; the record has ${columns || "no fields"}`,
  };
}

function alpaca(record: Record<string, unknown>, mapping: ColumnMapping): Shaped {
  const picked = pick(record, mapping, ["instruction", "input", "output", "system"]);
  picked.history = record.history;
  const parsed = alpacaRecord.safeParse(picked);
  if (!parsed.success) return { reason: zodReason(parsed.error, picked, mapping) };
  const a = parsed.data;
  if (a.instruction.trim() === "") return { reason: `field "${mapping.instruction}" (instruction) is empty` };
  const source: AlpacaSource = { instruction: a.instruction, input: a.input ?? "", output: a.output ?? "" };
  if (a.system != null) source.system = a.system;
  if (a.history != null && a.history.length > 0) source.history = a.history;
  return { rows: [{ messages: alpacaToMessages(source), source }] };
}

function selfInstruct(record: Record<string, unknown>, mapping: ColumnMapping): Shaped {
  const picked = { instruction: record[mapping.instruction ?? "instruction"], instances: record.instances };
  const parsed = selfInstructRecord.safeParse(picked);
  if (!parsed.success) return { reason: zodReason(parsed.error, picked, mapping) };
  const { instruction, instances } = parsed.data;
  if (instruction.trim() === "") return { reason: 'field "instruction" is empty' };
  return {
    rows: instances.map((instance) => {
      const source: AlpacaSource = { instruction, input: instance.input ?? "", output: instance.output ?? "" };
      return { messages: alpacaToMessages(source), source };
    }),
  };
}

function conversation(record: Record<string, unknown>, mapping: ColumnMapping): Shaped {
  const column = mapping.messages as string;
  let turns = record[column];
  // CSV and Parquet string columns may hold the conversation as JSON text.
  if (typeof turns === "string" && /^\s*\[/.test(turns)) {
    try {
      turns = JSON.parse(turns);
    } catch {
      return { reason: `field "${column}" holds text that is not a JSON array of messages` };
    }
    const problem = fieldProblem(turns, Infinity, column);
    if (problem) return { reason: problem };
  }
  if (!Array.isArray(turns)) return { reason: `field "${column}" must be an array of messages, got ${describe(turns)}` };
  if (turns.length === 0) return { reason: `field "${column}" is an empty conversation` };

  let messages: ChatMessage[];
  const first = turns[0];
  if (typeof first === "string") {
    const parsed = plainTurns.safeParse(turns);
    if (!parsed.success) return { reason: zodReason(parsed.error, { messages: turns }, { messages: column }, ["messages"]) };
    const reference = record.reference;
    const answers = Array.isArray(reference) ? reference : [];
    if (!answers.every((a) => typeof a === "string")) return { reason: 'field "reference" must be an array of strings' };
    messages = parsed.data.flatMap((q, i): ChatMessage[] =>
      i < answers.length ? [{ role: "user", content: q }, { role: "assistant", content: answers[i] as string }] : [{ role: "user", content: q }],
    );
  } else if (first && typeof first === "object" && "from" in first) {
    const parsed = shareGptMessages.safeParse(turns);
    if (!parsed.success) return { reason: zodReason(parsed.error, { messages: turns }, { messages: column }, ["messages"]) };
    messages = [];
    for (const [i, t] of parsed.data.entries()) {
      const role = SPEAKERS[t.from.toLowerCase()];
      if (!role) return { reason: `field ${column}[${i}].from: unsupported speaker "${t.from}" (expected human, gpt or system)` };
      messages.push({ role, content: t.value });
    }
  } else {
    const parsed = openAiMessages.safeParse(turns);
    if (!parsed.success) return { reason: zodReason(parsed.error, { messages: turns }, { messages: column }, ["messages"]) };
    messages = parsed.data.map((m) => ({
      role: m.role,
      content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text ?? "").join(""),
    }));
  }
  const system = mapping.system ? record[mapping.system] : undefined;
  if (typeof system === "string" && system !== "" && !messages.some((m) => m.role === "system")) {
    messages.unshift({ role: "system", content: system });
  }
  if (!messages.some((m) => m.role === "user" && m.content.trim() !== "")) {
    return { reason: `field "${column}" has no user message with text` };
  }
  return { rows: [{ messages, source: null }] };
}

/** Canonical field name -> value, read from the mapped columns. */
function pick(record: Record<string, unknown>, mapping: ColumnMapping, fields: (keyof ColumnMapping)[]) {
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const column = mapping[field];
    if (column !== undefined) picked[field] = record[column];
  }
  return picked;
}

/** "field "answer" (output) must be a string, got number": names the file's column and where inside it. */
function zodReason(error: z.ZodError, picked: Record<string, unknown>, mapping: ColumnMapping, within: string[] = []): string {
  const issue = { ...error.issues[0], path: [...within, ...error.issues[0].path] } as z.core.$ZodIssue;
  const [field, ...rest] = issue.path.map(String);
  const column = mapping[field as keyof ColumnMapping] ?? field;
  const where = column + rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("");
  const named = column !== field && field in mapping ? `"${where}" (${field})` : `"${where}"`;
  let actual: unknown = picked;
  for (const key of issue.path) actual = (actual as Record<PropertyKey, unknown> | undefined)?.[key as string];
  if (issue.code === "invalid_type") return `field ${named} must be ${article(issue.expected)}, got ${describe(actual)}`;
  if (issue.code === "invalid_value") return `field ${named} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(actual)}`;
  return `field ${named}: ${issue.message}`;
}

function article(expected: string): string {
  return expected === "array" || expected === "object" ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

/** Deeper values are refused: no record needs them, and walking them (here, in zod, in JSON.stringify) risks the stack. */
export const MAX_NESTING = 1000;

/**
 * Something in `value` that makes it unusable, by its path: nesting deeper than MAX_NESTING, a string longer
 * than the per-field limit, or one holding a lone surrogate (JSON can escape one, UTF-8 cannot store it: SQLite
 * would keep U+FFFD instead). One iterative walk, so no depth can overflow the stack; it runs on every record,
 * so strings are checked where they are met and paths are only built for containers and problems.
 */
export function fieldProblem(value: unknown, maxField: number, at = ""): string | null {
  if (typeof value === "string") return suspect(value, maxField) ? stringProblem(value, at, maxField) : null;
  const stack: [unknown, string, number][] = [[value, at, 0]];
  while (stack.length > 0) {
    const [item, path, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= MAX_NESTING) {
      return `${path ? `field "${path}" is` : "the record is"} nested more than ${MAX_NESTING} levels deep`;
    }
    const array = Array.isArray(item);
    const keys = array ? null : Object.keys(item);
    const length = array ? (item as unknown[]).length : keys!.length;
    for (let i = 0; i < length; i++) {
      const child = array ? (item as unknown[])[i] : (item as Record<string, unknown>)[keys![i]];
      if (typeof child === "string") {
        const problem = suspect(child, maxField) ? stringProblem(child, childPath(path, keys, i), maxField) : null;
        if (problem) return problem;
      } else if (child !== null && typeof child === "object") stack.push([child, childPath(path, keys, i), depth + 1]);
    }
  }
  return null;
}

function childPath(path: string, keys: string[] | null, i: number): string {
  if (keys === null) return `${path}[${i}]`;
  return path ? `${path}.${keys[i]}` : keys[i];
}

/** Cheap: a JS string of n chars is at most 3n UTF-8 bytes, and isWellFormed is O(1) for one-byte strings. */
function suspect(value: string, maxField: number): boolean {
  return value.length * 3 > maxField || !isWellFormed(value);
}

function stringProblem(value: string, path: string, maxField: number): string | null {
  if (value.length * 3 > maxField) {
    const bytes = Buffer.byteLength(value);
    if (bytes > maxField) return `field "${path}" is ${formatMb(bytes)}, over the ${formatMb(maxField)} per-field limit (DISTILL_MAX_FIELD_MB)`;
  }
  if (isWellFormed(value)) return null;
  const at = loneSurrogateAt(value);
  const escape = `\\u${value.charCodeAt(at).toString(16)}`;
  return `field "${path}" holds a lone UTF-16 surrogate (${escape} at character ${at}), which is not text`;
}
