import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * Endpoints' API keys, by endpoint id, in one JSON file that only the studio's user can read (0600, in a 0700
 * folder). Never in SQLite, job.json, events or logs: a job gets its key through its environment (job-env.ts).
 * Writes are atomic (a temporary file created 0600, fsynced, renamed over the old one), so a crash leaves the
 * old keys or the new ones, never half a file, and no moment exists where the keys are readable by others.
 */

type Keys = Record<string, string>;

export function keyFilePath(dataDir: string): string {
  return join(dataDir, "secrets", "endpoint-keys.json");
}

function readKeys(dataDir: string): Keys {
  let text: string;
  try {
    text = readFileSync(keyFilePath(dataDir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  // The message names the file only: a parse error's own message may quote part of a key.
  try {
    return JSON.parse(text) as Keys;
  } catch {
    throw new Error(`${keyFilePath(dataDir)} is not valid JSON: fix or remove it (endpoints then have no keys)`);
  }
}

function writeKeys(dataDir: string, keys: Keys): void {
  const file = keyFilePath(dataDir);
  mkdirSync(join(dataDir, "secrets"), { recursive: true, mode: 0o700 });
  // One studio writes at a time (these calls are synchronous), so one temporary name is enough.
  const temp = `${file}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    // The mode given to open is masked by the umask, and ignored for a temporary file a crashed write left.
    chmodSync(temp, 0o600);
    writeSync(fd, JSON.stringify(keys));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function endpointKey(dataDir: string, id: string): string | null {
  return readKeys(dataDir)[id] ?? null;
}

/** The ids of the endpoints that have a key. */
export function endpointsWithKey(dataDir: string): Set<string> {
  return new Set(Object.keys(readKeys(dataDir)));
}

export function setEndpointKey(dataDir: string, id: string, key: string): void {
  writeKeys(dataDir, { ...readKeys(dataDir), [id]: key });
}

export function removeEndpointKey(dataDir: string, id: string): void {
  const keys = readKeys(dataDir);
  if (!(id in keys)) return;
  delete keys[id];
  writeKeys(dataDir, keys);
}

