import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { pack, type Pack } from "tar-stream";
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobs } from "~/db/schema";
import type { TrainJob } from "~/lib/contracts/job";

/** Where a train run's student is saved: its output_dir, relative ones inside the run folder. */
export function studentDir(runDir: string, spec: Pick<TrainJob, "output_dir">): string {
  return resolve(runDir, spec.output_dir);
}

/** A folder holding a saved Hugging Face model (what the trainer's save_pretrained leaves). */
export function isModelFolder(dir: string): boolean {
  return existsSync(join(dir, "config.json"));
}

export type FinishedStudent = { runId: string; name: string; path: string };

/** Students of succeeded runs whose folder still holds the model: what a new run may take as teacher or student. */
export function finishedStudents(db: Db): FinishedStudent[] {
  const rows = db
    .select({ id: jobs.id, name: jobs.name, runDir: jobs.runDir, spec: jobs.spec })
    .from(jobs)
    .where(and(eq(jobs.kind, "train"), eq(jobs.status, "succeeded")))
    .orderBy(desc(jobs.createdAt))
    .all();
  return rows
    .map((r) => ({ runId: r.id, name: r.name, path: studentDir(r.runDir, JSON.parse(r.spec) as TrainJob) }))
    .filter((s) => isModelFolder(s.path));
}

/** Regular files under `dir`, relative paths sorted; symlinks are skipped so nothing outside the folder is read. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return filesUnder(dir, rel);
      return entry.isFile() ? [rel] : [];
    });
}

/**
 * The model folder as a tar stream built as it is read: one file at a time is piped into the archive under
 * `top/`, so a multi-gigabyte model is never held in memory or written to a temporary file.
 */
export function studentArchive(dir: string, top: string): Pack {
  const root = realpathSync(dir);
  const archive = pack();
  void (async () => {
    for (const rel of filesUnder(root)) {
      const path = join(root, rel);
      if (relative(root, realpathSync(path)).startsWith("..")) continue;
      const stat = statSync(path);
      const entry = archive.entry({ name: `${top}/${rel}`, size: stat.size, mode: 0o644, mtime: stat.mtime });
      await pipeline(createReadStream(path), entry);
    }
    archive.finalize();
  })().catch((e: unknown) => archive.destroy(e as Error));
  return archive;
}
