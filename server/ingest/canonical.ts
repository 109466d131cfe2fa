import { hash } from "node:crypto";
import { isWellFormed } from "./utf8";

export type Role = "system" | "user" | "assistant";
export interface ChatMessage {
  role: Role;
  content: string;
}

/** The original Alpaca fields of a row, kept so an Alpaca export gives back exactly what was imported. */
export interface AlpacaSource {
  instruction: string;
  input: string;
  output: string;
  system?: string;
  history?: [string, string][];
}

export interface CanonicalRow {
  messages: ChatMessage[];
  source: AlpacaSource | null;
}

/** What dataset_rows stores besides ids: derived once here so import and tests agree. */
export interface StoredRow {
  /** The conversation as JSON, or "" for a single exchange, which `prompt` and `response` already hold. */
  messages: string;
  source: string | null;
  prompt: string;
  response: string;
  turns: number;
  promptLength: number;
  responseLength: number;
  /** conversationDigest: compared by the import's duplicate check, stored as base64url in content_hash. */
  digest: Buffer;
}

/** LLaMA-Factory's Alpaca converter joins instruction and input with one newline; so do we. */
export function alpacaToMessages(a: AlpacaSource): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (a.system) messages.push({ role: "system", content: a.system });
  for (const [query, answer] of a.history ?? []) {
    messages.push({ role: "user", content: query }, { role: "assistant", content: answer });
  }
  messages.push({ role: "user", content: a.input ? `${a.instruction}\n${a.input}` : a.instruction });
  if (a.output) messages.push({ role: "assistant", content: a.output });
  return messages;
}

/**
 * Alpaca form of any conversation: the last user turn is the instruction, the answer after it the output,
 * earlier exchanges the history (a user turn with no answer, as in MT-Bench without references, gets "").
 */
export function messagesToAlpaca(messages: ChatMessage[]): AlpacaSource {
  const system = messages.find((m) => m.role === "system")?.content;
  const exchanges: [string, string][] = [];
  for (const m of messages) {
    if (m.role === "user") exchanges.push([m.content, ""]);
    else if (m.role === "assistant" && exchanges.length > 0) exchanges[exchanges.length - 1][1] += m.content;
  }
  const [instruction, output] = exchanges.pop() ?? ["", ""];
  const alpaca: AlpacaSource = { instruction, input: "", output };
  if (system !== undefined) alpaca.system = system;
  if (exchanges.length > 0) alpaca.history = exchanges;
  return alpaca;
}

/**
 * The `source` column of an Alpaca row whose messages are alpacaToMessages(a). messagesToAlpaca gives `a` back
 * exactly unless the input was joined into the user turn or an empty system prompt (or history) vanished.
 * - null: nothing lost (no input); the export derives the same fields.
 * - the instruction's length in decimal digits: only where the input was joined; the instruction and input
 *   are the derived instruction cut there (around the "\n" between them). Storing the fields' JSON instead
 *   would keep a second copy of the row's text.
 * - the fields as JSON (starts with "{"), in the rare other cases; rows stored by an importer that did not yet
 *   write the instruction's length hold JSON wherever they had an input, and read back the same way.
 */
function sourceColumn(a: AlpacaSource): string | null {
  if (a.system === "" || a.history?.length === 0) return JSON.stringify(a);
  return a.input === "" ? null : String(a.instruction.length);
}

/** A stored row's original Alpaca fields, read from its `source` column (see sourceColumn); null for none. */
export function storedSource(row: { source: string | null; messages: string; prompt: string; response: string }): AlpacaSource | null {
  if (row.source === null) return null;
  if (row.source.startsWith("{")) return JSON.parse(row.source) as AlpacaSource;
  const split = Number(row.source);
  const { instruction, output, system, history } = messagesToAlpaca(storedMessages(row));
  const a: AlpacaSource = { instruction: instruction.slice(0, split), input: instruction.slice(split + 1), output };
  if (system !== undefined) a.system = system;
  if (history !== undefined) a.history = history;
  return a;
}

/** The conversation of one user turn and, unless `response` is empty, one assistant turn. */
function singleExchange(prompt: string, response: string): ChatMessage[] {
  const user: ChatMessage = { role: "user", content: prompt };
  return response === "" ? [user] : [user, { role: "assistant", content: response }];
}

/** Whether singleExchange(prompt, response) gives `messages` back exactly, so storing them again is redundant. */
function isSingleExchange(messages: ChatMessage[]): boolean {
  const [first, second] = messages;
  if (messages.length === 1) return first.role === "user";
  return messages.length === 2 && first.role === "user" && second.role === "assistant" && second.content !== "";
}

/** A stored row's conversation as JSON text (rebuilt from prompt and response where `messages` is ""). */
export function storedMessagesJson(row: { messages: string; prompt: string; response: string }): string {
  return row.messages === "" ? JSON.stringify(singleExchange(row.prompt, row.response)) : row.messages;
}

/** A stored row's conversation. */
export function storedMessages(row: { messages: string; prompt: string; response: string }): ChatMessage[] {
  return row.messages === "" ? singleExchange(row.prompt, row.response) : (JSON.parse(row.messages) as ChatMessage[]);
}

const ROLE_TAG: Record<Role, string> = { system: "s", user: "u", assistant: "a" };

/**
 * The content hash: SHA-1 of the turns in order, each as a role letter, its content's length in UTF-16 code
 * units, ":" and the content. One string can be read back into exactly one list of turns, so equal hashes mean
 * equal conversations (up to SHA-1 collisions), whichever format or path a row came by. Cheaper than hashing
 * the conversation's JSON (no object walk, no escaping: 1M rows ~4 s less CPU). Content that is not well-formed
 * UTF-16 (a lone surrogate, which the UTF-8 encoding for the hash would turn into U+FFFD) goes in as its JSON
 * string after "!" instead, so it stays distinct. Rows stored by an importer that hashed the messages' JSON keep
 * that hash; this is safe because hashes are only compared within one import (the duplicate check), never
 * across datasets.
 */
export function conversationDigest(messages: ChatMessage[]): Buffer {
  let text = "";
  for (const { role, content } of messages) {
    text += isWellFormed(content) ? `${ROLE_TAG[role]}${content.length}:${content}` : `${ROLE_TAG[role]}!${JSON.stringify(content)}`;
  }
  return hash("sha1", text, "buffer");
}

/**
 * User turns and assistant turns are each joined with a blank line for search, lengths and display. Most rows
 * are a single exchange: their `messages` is stored as "" (the text is in prompt and response once).
 */
export function toStoredRow(row: CanonicalRow): StoredRow {
  const user: string[] = [];
  const assistant: string[] = [];
  for (const m of row.messages) {
    if (m.role === "user") user.push(m.content);
    else if (m.role === "assistant") assistant.push(m.content);
  }
  const prompt = user.join("\n\n");
  const response = assistant.join("\n\n");
  return {
    messages: isSingleExchange(row.messages) ? "" : JSON.stringify(row.messages),
    source: row.source ? sourceColumn(row.source) : null,
    prompt,
    response,
    turns: user.length,
    promptLength: prompt.length,
    responseLength: response.length,
    digest: conversationDigest(row.messages),
  };
}
