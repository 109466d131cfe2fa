import { join } from "node:path";
import type { JobKind } from "~/lib/contracts/job";

/** argv of the process that runs a job (never passed through a shell). */
export type Launcher = (kind: JobKind, runDir: string, resume: boolean) => string[];

/** Ingest runs in the studio's own Node worker; everything else is the Python trainer's `distill run`. */
export function defaultLauncher(repoRoot: string): Launcher {
  return (kind, runDir, resume) => {
    if (kind === "ingest") return [process.execPath, "--import", "tsx", "server/ingest/worker.ts", runDir];
    const python = join(repoRoot, ".venv", "bin", "python");
    return [python, "-m", "distill", "run", runDir, ...(resume ? ["--resume"] : [])];
  };
}

/** The job's environment: the studio's, plus its device and no model hub at run time. */
export function jobEnv(cudaVisibleDevices: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, CUDA_VISIBLE_DEVICES: cudaVisibleDevices, PYTHONUNBUFFERED: "1", HF_HUB_OFFLINE: "1" };
}
