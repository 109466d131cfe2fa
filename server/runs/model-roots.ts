import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { dataDir } from "~/db/client";

/**
 * Models may only be read from the model roots (DISTILL_MODEL_ROOTS, colon-separated; by default the data folder's
 * models/), and a run's output folder only written into the output roots (DISTILL_OUTPUT_ROOTS; by default the data
 * folder's outputs/), so a form can neither make the trainer read arbitrary files nor overwrite any. The embedded
 * models need no root: job.json names them by source "embedded" and the trainer finds their packages itself.
 */
export function modelRoots(env: Record<string, string | undefined> = process.env): string[] {
  return rootsSetting(env.DISTILL_MODEL_ROOTS, "models");
}

/** The folders a run may write its final model into; they reach the trainer as job.json's output_roots. */
export function outputRoots(env: Record<string, string | undefined> = process.env): string[] {
  return rootsSetting(env.DISTILL_OUTPUT_ROOTS, "outputs");
}

function rootsSetting(value: string | undefined, dataSubfolder: string): string[] {
  const configured = value?.split(":").filter(Boolean);
  if (configured?.length) return configured.map((r) => resolve(r));
  return [join(dataDir(), dataSubfolder)];
}

export class PathOutsideRootsError extends Error {
  constructor(
    readonly path: string,
    readonly roots: string[],
    reason: string,
  ) {
    super(`${path} ${reason}; allowed roots: ${roots.join(", ") || "(none configured)"}`);
    this.name = "PathOutsideRootsError";
  }
}

/** The real path of `path`, following every symlink; for a path not yet created, of its deepest existing parent. */
function realPathAllowingMissing(path: string): string {
  const missing: string[] = [];
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    missing.unshift(basename(current));
    current = parent;
  }
  return join(realpathSync(current), ...missing);
}

function realRoot(root: string): string {
  return existsSync(root) ? realpathSync(root) : resolve(root);
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Resolves `path` (relative ones against the studio's working folder) through symlinks and returns its real
 * path when that lies inside one of `roots`; otherwise throws PathOutsideRootsError naming the path and roots.
 * For an output this holds at launch only: the trainer checks again when it writes (trainer/distill/confine.py).
 */
export function confinePath(path: string, roots: string[], kind: "model" | "output" = "model"): string {
  if (path.trim() === "") throw new PathOutsideRootsError("(empty path)", roots, "is not a path");
  if (path.includes("\0")) throw new PathOutsideRootsError(JSON.stringify(path), roots, "contains a NUL byte");
  const real = realPathAllowingMissing(resolve(path));
  if (!roots.some((root) => isInside(real, realRoot(root)))) {
    const via = real === resolve(path) ? "" : ` (it resolves to ${real})`;
    throw new PathOutsideRootsError(path, roots, `is outside the allowed ${kind} roots${via}`);
  }
  return real;
}

/** A model reference's path, confined and checked to be what its source says (a model folder or a .gguf file). */
export function confineModelPath(source: "dir" | "gguf", path: string, roots: string[]): string {
  const real = confinePath(path, roots);
  if (!existsSync(real)) throw new Error(`model path ${path} does not exist`);
  const stat = statSync(real);
  if (source === "dir" && !stat.isDirectory()) throw new Error(`model path ${path} is not a directory`);
  if (source === "dir" && !existsSync(join(real, "config.json"))) {
    throw new Error(`model directory ${path} has no config.json (a Hugging Face model folder has one)`);
  }
  if (source === "gguf" && (!stat.isFile() || !real.endsWith(".gguf"))) throw new Error(`model path ${path} is not a .gguf file`);
  return real;
}
