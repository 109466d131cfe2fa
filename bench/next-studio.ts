import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running `next start` of the existing production build, for benchmarks that measure the studio itself. */
export type NextStudio = {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** CPU seconds the Next server process has used so far. */
  cpuS: () => number;
  close: () => Promise<void>;
};

function procCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `next start` on the existing production build (scripts/build.sh), its data folder `dataDir`, with `env` added
 * to this process's environment. The build lock
 * is held meanwhile so no rebuild swaps .next underneath the server. BENCH_NEXT_NODE_ARGS passes Node flags
 * to it (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
export async function startNextStudio(dataDir: string, env: Record<string, string> = {}): Promise<NextStudio> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const nodeArgs = (process.env.BENCH_NEXT_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const next = spawn(
    "flock",
    [join(tmpdir(), "distill-studio-build.lock"), process.execPath, ...nodeArgs, "node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)],
    { detached: true, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env, DISTILL_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" } },
  );
  const origin = `http://127.0.0.1:${port}`;
  // Another checkout's build may hold the lock for minutes before the server even starts.
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited with code ${next.exitCode}`);
    if (await fetch(`${origin}/api/trpc/jobs.devices`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      process.kill(-next.pid!, "SIGTERM");
      throw new Error("next start did not answer within 10 minutes (waiting for the build lock included)");
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const children = () => readFileSync(`/proc/${next.pid}/task/${next.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
  return {
    origin,
    // flock's child is the Next server; its CPU time comes from /proc (utime + stime, in clock ticks).
    cpuS: () => children().reduce((sum, pid) => sum + procCpuS(pid), 0),
    close: async () => {
      process.kill(-next.pid!, "SIGTERM");
      await new Promise((r) => next.once("exit", r));
    },
  };
}
