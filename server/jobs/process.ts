import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";

/**
 * Whether `pid` is a live process running this job. After a studio restart the pid may have been reused by
 * an unrelated process, so on Linux its command line must mention the run folder; a zombie counts as dead.
 */
export function jobProcessAlive(pid: number, runDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true; // no procfs (macOS): signal 0 is all we can check
  }
  // The state follows the parenthesised command name, which may itself contain ") ".
  if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(runDir);
  } catch {
    return false;
  }
}

/** Sends `signal` to the job's whole process group (it was spawned detached, as the group leader). */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The last `maxLines` lines of a log file (at most the last 16 KiB), or "" when it is missing. */
export function tailOfFile(path: string, maxLines = 20): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "";
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString("utf8").trimEnd().split("\n").slice(-maxLines).join("\n");
  } finally {
    closeSync(fd);
  }
}
