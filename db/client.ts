import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = resolve(process.cwd(), "db/migrations");

/** Folder for the SQLite file, run folders and uploads; git ignores it. */
export function dataDir(): string {
  // A runtime folder: the ignore comment keeps Next's build from tracing the whole project through it.
  return resolve(/*turbopackIgnore: true*/ process.env.DISTILL_DATA_DIR ?? "data");
}

/** Opens (creating if needed) a studio database with WAL and foreign keys, and applies pending migrations. */
export function openDb(file = join(dataDir(), "studio.db")): Db {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  // Ingest workers and the event tailer write from separate connections; wait rather than fail.
  sqlite.pragma("busy_timeout = 10000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return db;
}

const globalForDb = globalThis as unknown as { __distillDb?: Db };

/** The process-wide connection (kept on globalThis so Next's module reloading does not open another). */
export function getDb(): Db {
  globalForDb.__distillDb ??= openDb();
  return globalForDb.__distillDb;
}
