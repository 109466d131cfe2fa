import type { ColumnMapping } from "~/lib/contracts/job";

type Field = keyof ColumnMapping;

/** Column names that mean each canonical field, most specific first (compared case-insensitively). */
const ALIASES: Record<Field, string[]> = {
  instruction: ["instruction", "prompt", "question", "query", "instruct", "problem"],
  input: ["input", "context"],
  output: ["output", "response", "answer", "completion", "target", "solution"],
  system: ["system", "system_prompt"],
  messages: ["messages", "conversations", "conversation", "turns", "dialog", "dialogue"],
  // Not "domain" alone: such a column often names the domain ("medicine"); the user can still map it.
  domain: ["is_domain", "in_domain", "domain_flag"],
};

/** The mapping the columns suggest: each field gets the first alias present among them. */
export function suggestMapping(columns: string[], taken = new Set<string>()): ColumnMapping {
  const byLower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const mapping: ColumnMapping = {};
  for (const field of Object.keys(ALIASES) as Field[]) {
    const hit = ALIASES[field].map((a) => byLower.get(a)).find((c) => c !== undefined && !taken.has(c));
    if (hit) {
      mapping[field] = hit;
      taken.add(hit);
    }
  }
  return mapping;
}

/** Explicit choices win; fields left out fall back to the suggestion. */
export function resolveMapping(explicit: ColumnMapping, columns: string[]): ColumnMapping {
  const chosen = Object.entries(explicit).filter((e): e is [Field, string] => Boolean(e[1]));
  return { ...suggestMapping(columns, new Set(chosen.map(([, column]) => column))), ...Object.fromEntries(chosen) };
}
