import type { Db } from "~/db/client";
import { datasetRows, datasets } from "~/db/schema";
import { toStoredRow } from "~/server/ingest/canonical";

/**
 * Test fixture: a ready dataset of `n` one-turn rows (q<i> → a<i>); rows at `duplicates` are marked duplicate
 * copies, rows at `promptOnly` have no answer (q<i> alone).
 */
export function seedDataset(db: Db, id: string, n: number, duplicates: readonly number[] = [], promptOnly: readonly number[] = []) {
  db.insert(datasets).values({ id, name: "demo", status: "ready", originalName: "d.json", format: "alpaca_json" }).run();
  const rows = Array.from({ length: n }, (_, idx) => {
    const answer = promptOnly.includes(idx) ? [] : [{ role: "assistant" as const, content: `a${idx}` }];
    // Stored as an import stores it: a single exchange keeps its text in prompt and response only.
    const stored = toStoredRow({ messages: [{ role: "user", content: `q${idx}` }, ...answer], source: null });
    return {
      datasetId: id,
      idx,
      sourceLine: idx + 1,
      messages: stored.messages,
      prompt: stored.prompt,
      response: stored.response,
      turns: 1,
      promptLength: stored.promptLength,
      responseLength: stored.responseLength,
      contentHash: `h${idx}`,
      isDuplicate: duplicates.includes(idx),
    };
  });
  for (let i = 0; i < rows.length; i += 500) db.insert(datasetRows).values(rows.slice(i, i + 500)).run();
}
