import { existsSync } from "node:fs";
import { join } from "node:path";
import type { JobKind } from "~/lib/contracts/job";
import { singleNodeArgs, trainerArgs } from "~/lib/runs/torchrun";

/** argv of the process that runs a job (never passed through a shell); `processes` > 1: one per GPU, under torchrun. */
export type Launcher = (kind: JobKind, runDir: string, resume: boolean, processes?: number) => string[];

/** The ingest worker bundled into plain JS by scripts/build-ingest-worker.sh (run by scripts/build.sh). */
export const INGEST_WORKER_BUNDLE = ".next/ingest-worker.mjs";

/**
 * argv of the ingest worker. A built studio (`next start`) runs the bundle, which starts in ~0.1 s; anything
 * else (tests, `next dev`) runs the TypeScript through tsx (~1 s to start), so a bundle left over from an
 * older build never runs code that is not the checkout's.
 */
export function ingestWorkerArgv(repoRoot: string, runDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const bundle = join(repoRoot, INGEST_WORKER_BUNDLE);
  if (env.NODE_ENV === "production" && existsSync(bundle)) return [process.execPath, bundle, runDir];
  return [process.execPath, "--import", "tsx", "server/ingest/worker.ts", runDir];
}

/**
 * Ingest runs in the studio's own Node worker; everything else is the Python trainer's `distill run`, a train job
 * on several GPUs under torchrun (the venv's, as `python -m torch.distributed.run`), one process per GPU.
 */
export function defaultLauncher(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Launcher {
  return (kind, runDir, resume, processes = 1) => {
    if (kind === "ingest") return ingestWorkerArgv(repoRoot, runDir, env);
    const python = join(repoRoot, ".venv", "bin", "python");
    if (processes > 1) return [python, "-m", "torch.distributed.run", ...singleNodeArgs(processes, runDir, resume)];
    return [python, ...trainerArgs(runDir, resume)];
  };
}

/** The job's environment: the studio's, plus its device and no model hub at run time. */
export function jobEnv(cudaVisibleDevices: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, CUDA_VISIBLE_DEVICES: cudaVisibleDevices, PYTHONUNBUFFERED: "1", HF_HUB_OFFLINE: "1" };
}
