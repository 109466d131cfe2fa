import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openDb } from "./client";
import { readThreadCount, readThreads, ReadThreads } from "./read-threads";

const dir = mkdtempSync(join(tmpdir(), "distill-read-threads-"));
const db = openDb(join(dir, "studio.db"));
afterAll(async () => {
  await readThreads(db).close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: string) =>
  db.$client.prepare("INSERT INTO datasets (id, name, status, original_name, format) VALUES (?, ?, 'ready', 'x.json', 'alpaca_json')").run(id, id);

it("reads what the studio's connection committed, the same rows it would read itself", async () => {
  insert("a");
  const sql = "SELECT id, name, status FROM datasets ORDER BY id";
  expect(await readThreads(db).run([{ sql, args: [] }])).toEqual([db.$client.prepare(sql).all()]);
  insert("b");
  const [count, first] = await readThreads(db).run([
    { sql: "SELECT count(*) FROM datasets", args: [], get: true, pluck: true },
    { sql: "SELECT name FROM datasets WHERE id = ?", args: ["b"], get: true },
  ]);
  expect(count).toBe(2);
  expect(first).toEqual({ name: "b" });
});

it("answers a bad statement with SQLite's message, refuses writes, and goes on serving", async () => {
  await expect(readThreads(db).run([{ sql: "SELECT nope FROM datasets", args: [] }])).rejects.toThrow(/no such column: nope/);
  await expect(readThreads(db).run([{ sql: "DELETE FROM datasets RETURNING id", args: [] }])).rejects.toThrow(/readonly/);
  expect(await readThreads(db).run([{ sql: "SELECT count(*) FROM datasets", args: [], get: true, pluck: true }])).toEqual([2]);
});

it("fails the requests of a thread that stopped and starts a new one for the next", async () => {
  const threads = new ReadThreads(join(dir, "studio.db"), 1);
  const pending = threads.run([{ sql: "SELECT count(*) FROM datasets", args: [], get: true, pluck: true }]);
  await threads.close();
  await expect(pending).rejects.toThrow(/stopped/);
  expect(await threads.run([{ sql: "SELECT count(*) FROM datasets", args: [], get: true, pluck: true }])).toEqual([2]);
  await threads.close();
});

it("reads on the main thread's connection with DISTILL_READ_THREADS=0, and refuses a count that is not a whole number", async () => {
  const saved = process.env.DISTILL_READ_THREADS;
  try {
    process.env.DISTILL_READ_THREADS = "0";
    const sql = "SELECT id, name FROM datasets ORDER BY id";
    expect(readThreads(db)).not.toBeInstanceOf(ReadThreads);
    expect(await readThreads(db).run([{ sql, args: [] }])).toEqual([db.$client.prepare(sql).all()]);
    await expect(readThreads(db).run([{ sql: "SELECT nope FROM datasets", args: [] }])).rejects.toThrow(/no such column: nope/);
    expect(readThreadCount({ DISTILL_READ_THREADS: "3" })).toBe(3);
    expect(() => readThreadCount({ DISTILL_READ_THREADS: "two" })).toThrow("DISTILL_READ_THREADS=two is not a whole number of threads");
  } finally {
    if (saved === undefined) delete process.env.DISTILL_READ_THREADS;
    else process.env.DISTILL_READ_THREADS = saved;
  }
});
