import { rmSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobs } from "~/db/schema";
import { BadRequest, Conflict } from "~/lib/errors";
import { getRun } from "./run-queries";

export const MAX_RUN_NAME = 200;

/** Gives a run another name; the name is trimmed and must hold 1 to 200 characters. */
export function renameRun(db: Db, id: string, name: string): { name: string } {
  getRun(db, id, new Map());
  const trimmed = name.trim();
  if (!trimmed) throw new BadRequest("A run needs a name: the new name is empty.");
  if (trimmed.length > MAX_RUN_NAME) throw new BadRequest(`A run name holds at most ${MAX_RUN_NAME} characters; this one has ${trimmed.length}.`);
  db.update(jobs).set({ name: trimmed }).where(eq(jobs.id, id)).run();
  return { name: trimmed };
}

/**
 * Deletes a finished run: its row and events, and its run folder (checkpoints, data, the student saved inside
 * it). A student saved to an output folder outside the run folder is the user's and stays. A queued or running
 * run is refused: its process still writes to the folder.
 */
export function deleteRun(db: Db, id: string, runsRoot: string): void {
  const run = getRun(db, id, new Map());
  if (run.status === "queued" || run.status === "running") {
    throw new Conflict(`Run "${run.name}" is ${run.status}; cancel it before deleting it.`);
  }
  const rel = relative(runsRoot, run.runDir);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new BadRequest(`Run "${run.name}" has its folder ${run.runDir} outside ${runsRoot}; the studio deletes only folders it made.`);
  }
  db.delete(jobs).where(eq(jobs.id, id)).run();
  rmSync(run.runDir, { recursive: true, force: true });
}
