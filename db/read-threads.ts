import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { wholeNumber, type Env } from "~/lib/settings";
import type { Db } from "./client";

/** One statement for a read thread: `get` returns the first row (or undefined), otherwise every row. */
export type ReadStatement = { sql: string; args: readonly unknown[]; get?: boolean; pluck?: boolean };

/**
 * Runs in each thread: its own read-only connection (WAL lets it read while the studio writes), statements
 * prepared once per SQL text, one message's statements in one read transaction.
 */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 10000");
const prepared = new Map();
// Raw by design: the thread runs the SQL text it is sent (FTS5 searches; drizzle's queries as .toSQL()).
const statement = (sql) => {
  let s = prepared.get(sql);
  if (!s) prepared.set(sql, (s = db.prepare(sql)));
  return s;
};
const runAll = db.transaction((statements) =>
  statements.map((s) => {
    const st = statement(s.sql);
    if (st.reader) st.pluck(Boolean(s.pluck));
    return s.get ? st.get(...s.args) : st.all(...s.args);
  }),
);
parentPort.on("message", ({ id, statements }) => {
  try {
    parentPort.postMessage({ id, results: runAll(statements) });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message ? e.message : e) });
  }
});
`;

type Pending = { resolve: (results: unknown[]) => void; reject: (e: Error) => void };
type Thread = { worker: Worker; pending: Map<number, Pending> };

/**
 * A few threads, each with its own read-only connection to one database file, that run queries off the main
 * thread: a query that takes tens of milliseconds (full-text search with snippets) then no longer holds up
 * every other request the studio serves. Each request goes to the thread with the fewest waiting; an idle
 * thread never keeps the process alive. A thread that dies fails its requests and is replaced on next use.
 */
export class ReadThreads implements Reads {
  private readonly threads: (Thread | null)[];
  private nextId = 0;

  constructor(
    private readonly file: string,
    size: number,
  ) {
    this.threads = Array.from({ length: size }, () => null);
  }

  run(statements: readonly ReadStatement[]): Promise<unknown[]> {
    const thread = this.pick();
    const id = this.nextId++;
    return new Promise<unknown[]>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.ref();
      thread.worker.postMessage({ id, statements });
    });
  }

  /** Stops every thread (their connections close with them). */
  async close(): Promise<void> {
    const running = this.threads.filter((t): t is Thread => t !== null);
    this.threads.fill(null);
    await Promise.all(running.map((t) => t.worker.terminate()));
  }

  private pick(): Thread {
    let best = -1;
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[i];
      if (!t) {
        this.threads[i] = this.spawn(i);
        return this.threads[i]!;
      }
      if (best < 0 || t.pending.size < this.threads[best]!.pending.size) best = i;
    }
    return this.threads[best]!;
  }

  private spawn(slot: number): Thread {
    const worker = new Worker(THREAD, { eval: true, workerData: { file: this.file } });
    const thread: Thread = { worker, pending: new Map() };
    worker.unref();
    worker.on("message", (m: { id: number; results?: unknown[]; error?: string }) => {
      const request = thread.pending.get(m.id);
      thread.pending.delete(m.id);
      if (thread.pending.size === 0) worker.unref();
      if (m.error !== undefined) request?.reject(new Error(m.error));
      else request?.resolve(m.results!);
    });
    const fail = (e: Error) => {
      if (this.threads[slot] === thread) this.threads[slot] = null;
      for (const request of thread.pending.values()) request.reject(e);
      thread.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the read thread for ${this.file} stopped (exit code ${code})`)));
    return thread;
  }
}

/**
 * DISTILL_READ_THREADS, default one per core up to 4: reads run in parallel, and the main thread still gets
 * its share of the CPU. 0 runs them on the main thread, on the studio's own connection (as before there were
 * read threads: the search benchmark's comparison).
 */
export function readThreadCount(env: Env = process.env): number {
  return wholeNumber(env, "DISTILL_READ_THREADS", Math.min(4, availableParallelism()), "threads");
}

/** Runs statements and answers their results, in order, read in one transaction. */
export type Reads = { run(statements: readonly ReadStatement[]): Promise<unknown[]>; close(): Promise<void> };

/** DISTILL_READ_THREADS=0: the statements run at once on the calling thread's connection. */
class MainThreadReads implements Reads {
  constructor(private readonly db: Db) {}

  run(statements: readonly ReadStatement[]): Promise<unknown[]> {
    try {
      const read = this.db.$client.transaction(() =>
        statements.map((s) => {
          // Raw by design, as in the threads: the SQL text a caller sent.
          const st = this.db.$client.prepare(s.sql);
          if (st.reader) st.pluck(Boolean(s.pluck));
          return s.get ? st.get(...s.args) : st.all(...s.args);
        }),
      );
      return Promise.resolve(read());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const globalForThreads = globalThis as unknown as { __distillReadThreads?: Map<string, ReadThreads> };

/** Where a database's reads run: its file's read threads (kept on globalThis so Next's module reloading does not start more). */
export function readThreads(db: Db): Reads {
  const size = readThreadCount();
  if (size === 0) return new MainThreadReads(db);
  if (db.$client.memory) throw new Error("read threads need a database file; this database is in memory");
  const file = db.$client.name;
  const all = (globalForThreads.__distillReadThreads ??= new Map());
  let threads = all.get(file);
  if (!threads) all.set(file, (threads = new ReadThreads(file, size)));
  return threads;
}
