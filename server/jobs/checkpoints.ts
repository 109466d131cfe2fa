import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Db } from "~/db/client";

/** The newest checkpoint a job reported that is still on disk (path relative to the run folder), if any. */
export function latestCheckpoint(db: Db, jobId: string, runDir: string): string | null {
  const paths = db.$client
    .prepare("select json_extract(data, '$.path') from job_events where job_id = ? and type = 'checkpoint' order by seq desc")
    .pluck()
    .all(jobId) as string[];
  return paths.find((path) => existsSync(resolve(runDir, path))) ?? null;
}
