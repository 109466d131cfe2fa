import { execFileSync } from "node:child_process";
import type { JobKind, JobSpec } from "~/lib/contracts/job";
import { wholeNumber, type Env } from "~/lib/settings";

export type Gpu = { index: number; name: string; memoryMb: number };

/** GPUs that nvidia-smi reports; [] when it is absent or fails (no driver, no GPU). */
export function detectGpus(): Gpu[] {
  let out: string;
  try {
    out = execFileSync("nvidia-smi", ["--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"], {
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return [];
  }
  return parseNvidiaSmi(out);
}

export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv
    .split("\n")
    .map((line) => line.split(",").map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 3 && /^\d+$/.test(cells[0]!))
    .map(([index, name, memory]) => ({ index: Number(index), name: name!, memoryMb: Number.parseFloat(memory!) }));
}

/** How many jobs of each pool run at once. Ingest and token counting are light and never wait for a trainer. */
export type SlotLimits = { cpu: number; light: number };

export function slotLimits(env: Env = process.env): SlotLimits {
  return { cpu: wholeNumber(env, "DISTILL_CPU_SLOTS", 1, "slots"), light: wholeNumber(env, "DISTILL_INGEST_SLOTS", 2, "slots") };
}

/**
 * SIGTERM → SIGKILL delay when a running job is cancelled. The trainer checkpoints on SIGTERM at the next step
 * boundary, and one step can take 20–40 s on a loaded CPU: killed before that, the run loses its progress.
 */
export const DEFAULT_CANCEL_GRACE_MS = 60_000;

export function cancelGraceMs(env: Env = process.env): number {
  return wholeNumber(env, "DISTILL_CANCEL_GRACE_MS", DEFAULT_CANCEL_GRACE_MS, "milliseconds");
}

/**
 * Where a job may run: "light" (ingest, lengths, and answer, expand and rewrite jobs, which mostly wait on their endpoint;
 * an expand job's MiniLM embeddings of short prompts are a small share of a CPU), "cpu", or
 * "gpu" (free GPUs: one, or those a train job's job.distributed asks for, see gpuRequest). A job asking for "auto"
 * waits for a GPU when the machine has one, and takes a CPU slot otherwise (unless it asks for several GPUs).
 */
export type Pool = "light" | "cpu" | "gpu";

export function poolFor(kind: JobKind, spec: JobSpec, gpus: readonly Gpu[]): Pool {
  if (kind === "ingest" || kind === "lengths" || kind === "answer" || kind === "expand" || kind === "rewrite") return "light";
  const device = "device" in spec ? spec.device : "auto";
  if (device === "cpu") return "cpu";
  if (device === "cuda" || gpuRequest(spec).count > 1) return "gpu";
  return gpus.length > 0 ? "gpu" : "cpu";
}

/**
 * The GPUs a job asks for: a train job's job.distributed (exactly gpu_ids, or any `gpus` free ones), else one.
 * More than one runs the trainer under torchrun, one process per GPU.
 */
export type GpuRequest = { count: number; ids: number[] | null };

export function gpuRequest(spec: JobSpec): GpuRequest {
  const distributed = spec.kind === "train" ? spec.distributed : undefined;
  const ids = distributed?.gpu_ids ?? null;
  return { count: ids?.length ?? distributed?.gpus ?? 1, ids };
}

/** Why this machine can never run the request ("asks for …", to follow the job's name), or null. */
export function gpuRequestProblem(request: GpuRequest, gpus: readonly Gpu[]): string | null {
  if (gpus.length === 0) {
    return request.count === 1 ? `asks for device "cuda" but this machine has no GPU` : `asks for ${request.count} GPUs but this machine has no GPU`;
  }
  const missing = (request.ids ?? []).filter((id) => !gpus.some((g) => g.index === id));
  if (missing.length > 0) return `asks for GPU ${missing.join(", ")}, which this machine does not have (it has ${gpus.map((g) => g.index).join(", ")})`;
  if (request.count > gpus.length) return `asks for ${request.count} GPUs but this machine has ${gpus.length}`;
  return null;
}

/** GPUs for the request among those not `busy`: exactly its ids when all are free, else its count of free ones; null: wait. */
export function claimGpus(request: GpuRequest, gpus: readonly Gpu[], busy: readonly number[]): number[] | null {
  const free = gpus.map((g) => g.index).filter((i) => !busy.includes(i));
  if (request.ids) return request.ids.every((i) => free.includes(i)) ? request.ids : null;
  return free.length >= request.count ? free.slice(0, request.count) : null;
}

/** The jobs.device of a job holding these GPUs: "cuda:0", or "cuda:0,2" for a torchrun job (its CUDA_VISIBLE_DEVICES). */
export function gpuDevice(indices: readonly number[]): string {
  return `cuda:${indices.join(",")}`;
}

/** The GPUs a jobs.device holds. */
export function gpuIndices(device: string | null): number[] {
  return device?.startsWith("cuda:") ? device.slice(5).split(",").map(Number) : [];
}

/** The jobs.device value of a running job: "cuda:N[,M…]", "cpu" or "light"; the pool is read back from it. */
export function poolOfDevice(device: string | null): Pool {
  if (device?.startsWith("cuda:")) return "gpu";
  return device === "light" ? "light" : "cpu";
}
