import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { dataDir } from "~/db/client";

/**
 * Models and outputs may only be read from or written to the configured roots (DISTILL_MODEL_ROOTS,
 * colon-separated), so a form cannot make the trainer read or overwrite arbitrary files. By default: the data
 * folder's models/ and the virtual environment's site-packages, where the embedded models' packages live.
 */
export function modelRoots(env: Record<string, string | undefined> = process.env): string[] {
  const configured = env.DISTILL_MODEL_ROOTS?.split(":").filter(Boolean);
  if (configured?.length) return configured.map((r) => resolve(r));
  return [join(dataDir(), "models"), ...venvSitePackages()];
}

function venvSitePackages(): string[] {
  // Runtime folders, not build inputs: the ignore comment keeps Next's build from tracing the whole .venv.
  const lib = resolve(/*turbopackIgnore: true*/ ".venv/lib");
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => d.startsWith("python"))
    .map((d) => join(lib, d, "site-packages"))
    .filter((d) => existsSync(d));
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
 */
export function confinePath(path: string, roots: string[]): string {
  if (path.trim() === "") throw new PathOutsideRootsError("(empty path)", roots, "is not a path");
  if (path.includes("\0")) throw new PathOutsideRootsError(JSON.stringify(path), roots, "contains a NUL byte");
  const real = realPathAllowingMissing(resolve(path));
  if (!roots.some((root) => isInside(real, realRoot(root)))) {
    const via = real === resolve(path) ? "" : ` (it resolves to ${real})`;
    throw new PathOutsideRootsError(path, roots, `is outside the allowed model roots${via}`);
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
