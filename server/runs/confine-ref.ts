import type { Db } from "~/db/client";
import type { ModelRef } from "~/lib/contracts/job";
import type { StudentChoice } from "~/lib/runs/form";
import { BadRequest } from "~/lib/errors";
import { confineModelPath } from "./model-roots";
import { finishedStudents } from "./student-folder";

/** Thrown for a form the server refuses (paths outside the roots, an unusable dataset); the message says why. */
export class LaunchError extends BadRequest {}

/** The model roots, and finished runs' students: read (as teacher or initial student), never written to as an output folder. */
export function readableRoots(db: Db, roots: string[]): string[] {
  return [...roots, ...finishedStudents(db).map((s) => s.path)];
}

/** A model reference with its path confined to `roots` and made real; `role` names it in the refusal. */
export function confineRef<T extends ModelRef | StudentChoice>(ref: T, roots: string[], role: string): T {
  if (ref.source !== "dir" && ref.source !== "gguf") return ref;
  try {
    return { ...ref, path: confineModelPath(ref.source, ref.path, roots) };
  } catch (e) {
    throw new LaunchError(`${role}: ${(e as Error).message}`);
  }
}
