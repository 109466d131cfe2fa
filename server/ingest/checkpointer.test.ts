import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BackgroundCheckpointer } from "./checkpointer";

const dir = mkdtempSync(join(tmpdir(), "distill-checkpointer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("BackgroundCheckpointer", () => {
  it("copies committed pages into the database file from its own thread while the writer goes on", async () => {
    const file = join(dir, "a.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (x TEXT)");
    const failures: Error[] = [];
    const checkpointer = new BackgroundCheckpointer(file, (e) => failures.push(e));
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    for (let batch = 0; batch < 5; batch++) {
      db.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run("x".repeat(500));
      })();
      checkpointer.request();
    }
    await checkpointer.close();
    expect(failures).toEqual([]);
    // Only the thread checkpoints (wal_autocheckpoint = 0): without it the rows would all still be in the WAL. The
    // first request always runs before the thread closes; how many later batches it also copied depends on timing
    // (requests made while a checkpoint runs are folded into one, and none is started once closing has begun).
    expect(statSync(file).size).toBeGreaterThan(2000 * 500);
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(10_000);
    db.close();
  });

  it("reports a thread that cannot open the database, and closes at once", async () => {
    const failures: Error[] = [];
    const checkpointer = new BackgroundCheckpointer(join(dir, "missing", "b.db"), (e) => failures.push(e));
    await new Promise((r) => setTimeout(r, 500));
    checkpointer.request();
    await checkpointer.close();
    expect(failures).toHaveLength(1);
  });
});
