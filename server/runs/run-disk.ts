import { existsSync, lstatSync, readdirSync, rmSync, type Stats } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Db } from "~/db/client";
import type { TrainJob } from "~/lib/contracts/job";
import { Conflict } from "~/lib/errors";
import { oneRun } from "./run-queries";

/** Thrown when checkpoints cannot be deleted now (the run is queued or running); the message says why. */
export class RunBusyError extends Conflict {}

const CHECKPOINTS = "checkpoints";

/** A checkpoint the trainer can resume from: `step-NNNNNN` with its position.json (as trainer/distill/checkpoint.py). */
function checkpointFolders(runDir: string): string[] {
  const root = join(runDir, CHECKPOINTS);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^step-\d+$/.test(name) && existsSync(join(root, name, "position.json")))
    .sort();
}

/** The optimizer steps of the checkpoints a run keeps now, oldest first. */
export function checkpointSteps(runDir: string): number[] {
  return checkpointFolders(runDir).map((name) => Number(name.slice("step-".length)));
}

/** Checkpoint `step`'s folder, as the trainer names it. */
export function checkpointFolder(runDir: string, step: number): string {
  return join(runDir, CHECKPOINTS, `step-${String(step).padStart(6, "0")}`);
}

/** Every file under `dir` (links not followed) with its stats. */
function filesUnder(dir: string): { path: string; stat: Stats }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, stat: lstatSync(path) };
    });
}

/** The final model's folder when it lies outside the run folder (an output root), else null (counted with the run). */
function outsideOutput(runDir: string, spec: TrainJob): string | null {
  const rel = relative(runDir, join(runDir, spec.output_dir));
  return isAbsolute(spec.output_dir) && (rel.startsWith("..") || isAbsolute(rel)) ? spec.output_dir : null;
}

/**
 * Bytes a run takes: its folder and its final model (when written to an output root), each file counted once
 * however many hard links it has there (the last checkpoint shares its weights with the final model).
 * `checkpointBytes` is what deleting the checkpoints frees: files whose every link lies in checkpoints/.
 */
export function runDiskUse(db: Db, id: string) {
  const job = oneRun(db, id);
  const spec = JSON.parse(job.spec) as TrainJob;
  const checkpointsDir = join(job.runDir, CHECKPOINTS);
  const output = outsideOutput(job.runDir, spec);
  const inodes = new Map<string, { size: number; nlink: number; inCheckpoints: number }>();
  for (const { path, stat } of [...filesUnder(job.runDir), ...(output ? filesUnder(output) : [])]) {
    const key = `${stat.dev}:${stat.ino}`;
    const seen = inodes.get(key) ?? { size: stat.size, nlink: stat.nlink, inCheckpoints: 0 };
    if (path.startsWith(checkpointsDir + "/")) seen.inCheckpoints += 1;
    inodes.set(key, seen);
  }
  let totalBytes = 0;
  let checkpointBytes = 0;
  for (const file of inodes.values()) {
    totalBytes += file.size;
    if (file.inCheckpoints === file.nlink) checkpointBytes += file.size;
  }
  return { totalBytes, checkpointBytes, checkpoints: checkpointFolders(job.runDir).length };
}
export type RunDiskUse = ReturnType<typeof runDiskUse>;

/**
 * Deletes a run's checkpoints. A succeeded run loses them all (its final model stays); a failed or cancelled one
 * keeps its newest, the one `--resume` continues from, so it can still be resumed. Refused while the run is queued
 * or running: the trainer writes and prunes checkpoints then. Synchronous, so no status change slips in between.
 */
export function deleteCheckpoints(db: Db, id: string): { freedBytes: number; kept: string | null } {
  const job = oneRun(db, id);
  if (job.status === "queued" || job.status === "running") {
    throw new RunBusyError(`run ${id} is ${job.status}; its checkpoints can be deleted once it has stopped`);
  }
  const before = runDiskUse(db, id).totalBytes;
  const kept = job.status === "succeeded" ? null : (checkpointFolders(job.runDir).at(-1) ?? null);
  const root = join(job.runDir, CHECKPOINTS);
  if (existsSync(root)) {
    for (const name of readdirSync(root)) {
      if (name !== kept) rmSync(join(root, name), { recursive: true, force: true });
    }
  }
  return { freedBytes: before - runDiskUse(db, id).totalBytes, kept: kept && `${CHECKPOINTS}/${kept}` };
}
