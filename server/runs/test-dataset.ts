import type { Db } from "~/db/client";
import { datasetRows, datasets } from "~/db/schema";
import { toStoredRow } from "~/server/ingest/canonical";

/** Test fixture: a ready dataset of `n` one-turn rows (q<i> → a<i>); rows at `duplicates` are marked duplicate copies. */
export function seedDataset(db: Db, id: string, n: number, duplicates: readonly number[] = []) {
  db.insert(datasets).values({ id, name: "demo", status: "ready", originalName: "d.json", format: "alpaca_json" }).run();
  const rows = Array.from({ length: n }, (_, idx) => ({
    datasetId: id,
    idx,
    sourceLine: idx + 1,
    // Stored as an import stores it: a single exchange keeps its text in prompt and response only.
    messages: toStoredRow({ messages: [{ role: "user", content: `q${idx}` }, { role: "assistant", content: `a${idx}` }], source: null }).messages,
    prompt: `q${idx}`,
    response: `a${idx}`,
    turns: 1,
    promptLength: 2,
    responseLength: 2,
    contentHash: `h${idx}`,
    isDuplicate: duplicates.includes(idx),
  }));
  for (let i = 0; i < rows.length; i += 500) db.insert(datasetRows).values(rows.slice(i, i + 500)).run();
}
