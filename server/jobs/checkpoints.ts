import { and, desc, eq, sql } from "drizzle-orm";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Db } from "~/db/client";
import { jobEvents } from "~/db/schema";

/** The newest checkpoint a job reported that is still on disk (path relative to the run folder), if any. */
export function latestCheckpoint(db: Db, jobId: string, runDir: string): string | null {
  const rows = db
    .select({ path: sql<string>`json_extract(${jobEvents.data}, '$.path')` })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, jobId), eq(jobEvents.type, "checkpoint")))
    .orderBy(desc(jobEvents.seq))
    .all();
  return rows.find(({ path }) => existsSync(resolve(runDir, path)))?.path ?? null;
}
