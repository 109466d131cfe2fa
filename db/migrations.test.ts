import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { exportJsonl } from "~/server/datasets/export";
import { lengthHistogram } from "~/server/datasets/histogram";
import { getRow } from "~/server/datasets/rows";
import { searchRows } from "~/server/datasets/search";

const dir = mkdtempSync(join(tmpdir(), "distill-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The committed migrations up to and including `tag`, as a folder drizzle can apply. */
function migrationsUpTo(tag: string): string {
  const folder = join(dir, `upto-${tag}`);
  cpSync(resolve("db/migrations"), folder, { recursive: true });
  const journalPath = join(folder, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === tag) + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe("migrations", () => {
  it("upgrade a studio with data from 0005: rows written before (messages as JSON) read, search and histogram as before", async () => {
    const file = join(dir, "old.db");
    const old = new Database(file);
    old.pragma("foreign_keys = ON");
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo("0005_length_counts_triggers") });
    old.prepare("INSERT INTO datasets (id, name, status, original_name, format) VALUES ('d', 'old', 'ready', 'o.json', 'alpaca_json')").run();
    const insert = old.prepare(
      `INSERT INTO dataset_rows (dataset_id, idx, source_line, messages, prompt, response, turns, prompt_length, response_length, content_hash)
       VALUES ('d', ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    );
    for (let i = 0; i < 3; i++) {
      const messages = [{ role: "user", content: `zebra question ${i}` }, { role: "assistant", content: `answer ${i}` }];
      insert.run(i, i + 1, JSON.stringify(messages), messages[0].content, messages[1].content, messages[0].content.length, messages[1].content.length, `h${i}`);
    }
    old.close();

    const db = openDb(file);
    const indexes = db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'dataset_rows'").pluck().all();
    expect(indexes).toEqual(["dataset_rows_dataset_idx"]);
    expect(getRow(db, "d", 2)!.messages).toEqual([{ role: "user", content: "zebra question 2" }, { role: "assistant", content: "answer 2" }]);
    expect((await searchRows(db, "d", "zebra", { offset: 0, limit: 10 })).total).toBe(3);
    expect(lengthHistogram(db, "d", "prompt", 5).bins.reduce((n, b) => n + b.count, 0)).toBe(3);
    let exported = "";
    for await (const line of exportJsonl(db, "d", "messages")) exported += line;
    expect(exported.trim().split("\n").map((l) => JSON.parse(l).messages[1].content)).toEqual(["answer 0", "answer 1", "answer 2"]);
    db.$client.prepare("DELETE FROM dataset_rows WHERE dataset_id = 'd' AND idx = 0").run();
    expect((await searchRows(db, "d", "zebra", { offset: 0, limit: 10 })).total).toBe(2);
    expect(() => db.$client.prepare("INSERT INTO dataset_rows_fts(dataset_rows_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
    db.$client.close();
  });
});
