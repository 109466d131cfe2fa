import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "~/db/client";
import { isGenerationJobKind, type JobKind, type JobSpec, type JobStatus } from "~/lib/contracts/job";
import { JobBus } from "./bus";
import { defaultLauncher, jobEnv, type Launcher } from "./command";
import {
  cancelGraceMs,
  claimGpus,
  detectGpus,
  gpuDevice,
  gpuIndices,
  gpuRequest,
  gpuRequestProblem,
  poolFor,
  poolOfDevice,
  slotLimits,
  type Gpu,
  type GpuRequest,
  type Pool,
  type SlotLimits,
} from "./devices";
import { terminalEventSince } from "./event-store";
import { jobRow, jobsWithStatus, type JobRow } from "./job-row";
import { JobStates, type OnFailed } from "./job-state";
import { jobProcessAlive, signalGroup, tailOfFile } from "./process";
import { latestCheckpoint } from "./checkpoints";
import { buildSpec, CANCEL_MARKER, newJobId, writeJobJson, writeRunFolder, type RunFile } from "./run-folder";
import { EventTailer } from "./tailer";
import { BadRequest, NotFound } from "~/lib/errors";

export type JobManagerOptions = {
  db: Db;
  /** Run folders go under <dataDir>/runs/<id>/; jobs get it as DISTILL_DATA_DIR. */
  dataDir: string;
  /** cwd of every job; default the studio's cwd. */
  repoRoot?: string;
  launcher?: Launcher;
  gpus?: Gpu[];
  limits?: SlotLimits;
  /** SIGTERM → SIGKILL delay on cancel; default DISTILL_CANCEL_GRACE_MS or 60 s (see cancelGraceMs). */
  cancelGraceMs?: number;
  /** Where status changes and stored events are published; default a bus of its own (tests). */
  bus?: JobBus;
  /**
   * Awaited before a job is marked succeeded (importing its results), so no one sees "succeeded" without them; a
   * throw fails the job. It gets the manager, to queue the jobs that follow one (a run's evaluation).
   */
  onSucceeded?: (job: JobRow, db: Db, jobs: JobManager) => Promise<void>;
  /**
   * Called once a job has been marked failed or cancelled, however it ended (an error event, a crash, kill -9,
   * a start that failed), so what it left half done can be undone at once; a throw is logged.
   */
  onFailed?: OnFailed;
};

export type NewJob = {
  kind: JobKind;
  name: string;
  /** job.json fields other than schema_version, id, kind and created_at, which the studio fills in. */
  spec: Record<string, unknown>;
  /** Files of the run folder by relative path (data/train.jsonl, plan.json, ...). */
  files?: Record<string, RunFile>;
  datasetId?: string | null;
  /** What the job holds while it lives, kept in memory only (see JobLease). */
  lease?: JobLease;
};

/**
 * Held for a job's life and never written anywhere: extra environment (an endpoint's key) and a release() called
 * once the job ends however it ends (a leased embedded server may then go idle). A studio restart loses it.
 */
export type JobLease = { env: Record<string, string>; release(): void };

type Exit = { code: number | null; signal: NodeJS.Signals | null };

type Attached = {
  id: string;
  runDir: string;
  pid: number;
  startedAt: number;
  tailer: EventTailer;
  child: ChildProcess | null;
  killTimer: NodeJS.Timeout | null;
};

/** Background callbacks must not throw into the event loop: that would stop the studio, not just one job. */
function guarded(what: string, action: () => void): void {
  try {
    action();
  } catch (e) {
    console.error(`${what} failed: ${(e as Error).message}`);
  }
}

/** A process that died without done is noticed within this (the brief allows 5 s). */
const LIVENESS_MS = 500;

export class JobManager {
  readonly db: Db;
  readonly bus: JobBus;
  private readonly states: JobStates;
  readonly dataDir: string;
  readonly repoRoot: string;
  readonly gpus: Gpu[];
  readonly limits: SlotLimits;
  private readonly launcher: Launcher;
  readonly cancelGraceMs: number;
  private readonly onSucceeded: JobManagerOptions["onSucceeded"];
  private readonly attached = new Map<string, Attached>();
  private readonly leases = new Map<string, JobLease>();
  private liveness: NodeJS.Timeout | null = null;

  constructor(options: JobManagerOptions) {
    this.db = options.db;
    this.bus = options.bus ?? new JobBus();
    this.states = new JobStates(this.db, this.bus, options.onFailed);
    this.dataDir = options.dataDir;
    this.repoRoot = options.repoRoot ?? process.cwd();
    this.launcher = options.launcher ?? defaultLauncher(this.repoRoot);
    this.gpus = options.gpus ?? detectGpus();
    this.limits = options.limits ?? slotLimits();
    this.cancelGraceMs = options.cancelGraceMs ?? cancelGraceMs();
    this.onSucceeded = options.onSucceeded;
  }

  runDirOf(id: string): string {
    return join(this.dataDir, "runs", id);
  }

  /** Writes the run folder and a queued jobs row, then starts it if a slot is free. */
  async createJob(input: NewJob): Promise<JobRow> {
    const id = newJobId(input.kind);
    const spec = buildSpec(input.kind, input.spec, id, new Date().toISOString());
    const runDir = this.runDirOf(id);
    await writeRunFolder(runDir, spec, input.files ?? {});
    const datasetId = input.datasetId ?? (spec.kind === "ingest" ? spec.dataset_id : null);
    this.states.create({ id, kind: input.kind, name: input.name, runDir, datasetId, spec: JSON.stringify(spec) });
    if (input.lease) this.leases.set(id, input.lease);
    this.schedule();
    return jobRow(this.db, id)!;
  }

  /** Re-attaches to jobs left running by a previous studio process; finalises those whose process is gone. */
  attachRunningJobs(): void {
    for (const row of jobsWithStatus(this.db, "running")) {
      if (this.attached.has(row.id)) continue;
      this.attach(row, null);
      if (row.pid === null || !jobProcessAlive(row.pid, row.runDir)) this.finalize(row.id, null);
      else if (existsSync(join(row.runDir, CANCEL_MARKER))) {
        // A cancel was in progress when the studio stopped: keep its SIGKILL deadline.
        const requestedAt = statSync(join(row.runDir, CANCEL_MARKER)).mtimeMs;
        this.armKill(this.attached.get(row.id)!, Math.max(0, requestedAt + this.cancelGraceMs - Date.now()));
      }
    }
  }

  /** Starts queued jobs, oldest first, in whatever slots are free. */
  schedule(): void {
    const busy = this.busySlots();
    for (const row of jobsWithStatus(this.db, "queued")) {
      const spec = JSON.parse(row.spec) as JobSpec;
      const pool = poolFor(row.kind, spec, this.gpus);
      const request = gpuRequest(spec);
      const problem = pool === "gpu" ? gpuRequestProblem(request, this.gpus) : null;
      if (problem) {
        this.states.failQueued(row.id, `${row.kind} job ${row.id} ${problem}`);
        this.releaseLease(row.id);
        continue;
      }
      const device = this.freeDevice(pool, busy, request);
      if (device === null) continue;
      busy.push(device);
      this.start(row, device);
    }
  }

  /** Cancels a queued job at once; asks a running one to stop (SIGTERM, then SIGKILL after the grace period). */
  cancel(id: string): JobStatus {
    const row = this.requireJob(id);
    if (row.status === "queued") {
      this.states.cancelQueued(id);
      this.releaseLease(id);
      return "cancelled";
    }
    if (row.status !== "running") throw new BadRequest(`job ${id} is already ${row.status}; only queued or running jobs can be cancelled`);
    writeFileSync(join(row.runDir, CANCEL_MARKER), `${new Date().toISOString()}\n`);
    if (row.pid !== null) signalGroup(row.pid, "SIGTERM");
    const entry = this.attached.get(id);
    if (entry) this.armKill(entry, this.cancelGraceMs);
    return "running";
  }

  /**
   * Restarts a failed or cancelled job in the same run folder and job id, with --resume: a train job from its
   * last checkpoint, a generation job (answer, expand, rewrite) from its journal. A generation job needs
   * `restart`: its job.json with the endpoint's address of now (the embedded server moves) and a new lease (the
   * key, the embedded server held).
   */
  resume(id: string, restart?: { spec: JobSpec; lease: JobLease }): void {
    const row = this.requireJob(id);
    const generation = isGenerationJobKind(row.kind);
    if (row.kind !== "train" && !generation) throw new BadRequest(`job ${id} is a ${row.kind} job; only train, answer, expand and rewrite jobs resume`);
    if (row.status !== "failed" && row.status !== "cancelled") {
      throw new BadRequest(`job ${id} is ${row.status}; only failed or cancelled jobs resume`);
    }
    if (row.kind === "train" && !latestCheckpoint(this.db, id, row.runDir)) throw new BadRequest(`job ${id} has no checkpoint in ${row.runDir} to resume from`);
    if (generation && !restart) throw new BadRequest(`${row.kind} job ${id} needs its endpoint again to resume: resume it from its ${row.kind === "expand" ? "curriculum's" : "dataset's"} page`);
    rmSync(join(row.runDir, CANCEL_MARKER), { force: true });
    if (restart) writeJobJson(row.runDir, restart.spec);
    if (!this.states.requeue(id, restart ? JSON.stringify(restart.spec) : undefined)) {
      throw new BadRequest(`job ${id} was resumed or changed meanwhile; look at it again`);
    }
    if (restart) this.leases.set(id, restart.lease);
    this.schedule();
  }

  /**
   * Stops a queued or running job on the studio's own account, as a cancel does (a queued one at once, a running
   * one by SIGTERM, SIGKILL after the grace period), `notice` saying why on its pages; resolves once it has
   * ended, with how (it may have finished first).
   */
  interrupt(id: string, notice: string): Promise<JobStatus> {
    const { status } = this.requireJob(id);
    if (status !== "running" && status !== "queued") return Promise.resolve(status);
    this.setNotice(id, notice);
    if (status === "queued") return Promise.resolve(this.cancel(id));
    const ended = new Promise<JobStatus>((resolve) => {
      const stop = this.bus.listen(id, (message) => {
        if (message.kind === "status" && message.status !== "queued" && message.status !== "running") {
          stop();
          resolve(message.status);
        }
      });
    });
    this.cancel(id);
    return ended;
  }

  setNotice(id: string, notice: string | null): void {
    this.states.setNotice(id, notice);
  }

  /** 1-based places of queued jobs among those waiting for the same kind of slot. */
  queuePositions(): Map<string, number> {
    const next = new Map<Pool, number>();
    const positions = new Map<string, number>();
    for (const row of jobsWithStatus(this.db, "queued")) {
      const pool = poolFor(row.kind, JSON.parse(row.spec) as JobSpec, this.gpus);
      const place = (next.get(pool) ?? 0) + 1;
      next.set(pool, place);
      positions.set(row.id, place);
    }
    return positions;
  }

  /** Which running job holds each GPU, and how many CPU and light slots are taken. */
  slots() {
    const running = jobsWithStatus(this.db, "running");
    const inPool = (pool: Pool) => running.filter((r) => poolOfDevice(r.device) === pool);
    return {
      gpus: this.gpus.map((gpu) => ({ ...gpu, jobId: running.find((r) => gpuIndices(r.device).includes(gpu.index))?.id ?? null })),
      cpu: { limit: this.limits.cpu, jobIds: inPool("cpu").map((r) => r.id) },
      light: { limit: this.limits.light, jobIds: inPool("light").map((r) => r.id) },
    };
  }

  /**
   * Stops watching without touching the processes: what a studio shutdown (or a module reload) does. A new
   * manager's attachRunningJobs() picks the jobs up again from their stored offsets.
   */
  detach(): void {
    if (this.liveness) clearInterval(this.liveness);
    this.liveness = null;
    for (const entry of this.attached.values()) {
      entry.tailer.stop();
      entry.child?.removeAllListeners("exit");
      if (entry.killTimer) clearTimeout(entry.killTimer);
    }
    this.attached.clear();
  }

  private releaseLease(id: string): void {
    const lease = this.leases.get(id);
    this.leases.delete(id);
    if (lease) guarded(`releasing what job ${id} held`, () => lease.release());
  }

  private requireJob(id: string): JobRow {
    const row = jobRow(this.db, id);
    if (!row) throw new NotFound(`job ${id} does not exist`);
    return row;
  }

  private busySlots(): string[] {
    return jobsWithStatus(this.db, "running").map((r) => r.device ?? "cpu");
  }

  private freeDevice(pool: Pool, busy: string[], request: GpuRequest): string | null {
    if (pool === "gpu") {
      const claimed = claimGpus(request, this.gpus, busy.flatMap(gpuIndices));
      return claimed && gpuDevice(claimed);
    }
    const limit = pool === "cpu" ? this.limits.cpu : this.limits.light;
    return busy.filter((d) => poolOfDevice(d) === pool).length < limit ? pool : null;
  }

  private start(row: JobRow, device: string): void {
    // Taken before spawning: events the new process writes are all later than this.
    const startedAt = Date.now();
    // Claimed before spawning, so that a second studio process scheduling the same queue cannot start it too.
    if (!this.states.claim(row.id, device, startedAt)) return;
    const argv = this.launcher(row.kind, row.runDir, row.lastSeq > 0, Math.max(1, gpuIndices(device).length));
    const child = this.spawnDetached(argv, row.runDir, device, this.leases.get(row.id)?.env ?? {});
    if (typeof child === "string") {
      this.states.finish(row.id, "failed", `could not start ${argv[0]} for job ${row.id} (${child})`);
      this.releaseLease(row.id);
      return;
    }
    this.states.recordPid(row.id, child.pid!);
    this.attach({ ...row, pid: child.pid!, startedAt }, child);
  }

  /** Its own process group (so cancel reaches its children), logs in the run folder; a string says why not. */
  private spawnDetached(argv: string[], runDir: string, device: string, extraEnv: Record<string, string>): ChildProcess | string {
    const out = openSync(join(runDir, "stdout.log"), "a");
    const err = openSync(join(runDir, "stderr.log"), "a");
    try {
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: this.repoRoot,
        detached: true,
        stdio: ["ignore", out, err],
        env: {
          ...jobEnv(gpuIndices(device).join(",")),
          DISTILL_DATA_DIR: this.dataDir,
          // torchrun's wait between passing a cancel's SIGTERM to the ranks and killing them: the cancel grace.
          TORCH_ELASTIC_SHUTDOWN_TIMEOUT: String(Math.ceil(this.cancelGraceMs / 1000)),
          ...extraEnv,
        },
      });
      if (child.pid === undefined) {
        child.once("error", () => undefined);
        return "spawn failed; is the program installed?";
      }
      child.unref();
      return child;
    } catch (e) {
      return (e as Error).message;
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  private attach(row: JobRow, child: ChildProcess | null): void {
    const tailer = new EventTailer(this.db, this.bus, row.id, join(row.runDir, "events.jsonl"), {
      offset: row.eventsOffset,
      lastSeq: row.lastSeq,
    });
    const entry: Attached = {
      id: row.id,
      runDir: row.runDir,
      pid: row.pid ?? 0,
      startedAt: row.startedAt ?? 0,
      tailer,
      child,
      killTimer: null,
    };
    this.attached.set(row.id, entry);
    child?.once("exit", (code, signal) => guarded(`finishing job ${row.id}`, () => this.finalize(row.id, { code, signal })));
    tailer.start();
    this.liveness ??= setInterval(() => guarded("checking job processes", () => this.checkLiveness()), LIVENESS_MS);
    this.liveness.unref();
  }

  private checkLiveness(): void {
    for (const entry of this.attached.values()) {
      // A process we spawned reports its own exit, with the exit code; only re-attached ones need polling.
      if (entry.child === null && !jobProcessAlive(entry.pid, entry.runDir)) this.finalize(entry.id, null);
    }
  }

  private armKill(entry: Attached, delayMs: number): void {
    if (entry.killTimer) return;
    entry.killTimer = setTimeout(() => signalGroup(entry.pid, "SIGKILL"), delayMs);
    entry.killTimer.unref();
  }

  /** Stores what the process wrote last, then settles the outcome: done, cancel, error event, or a crash. */
  private finalize(id: string, exit: Exit | null): void {
    const entry = this.attached.get(id);
    if (!entry) return;
    this.attached.delete(id);
    if (entry.killTimer) clearTimeout(entry.killTimer);
    this.releaseLease(id);
    entry.tailer.drain();
    entry.tailer.stop();
    // The group may still hold children of the leader we saw exit (data loader workers); they must not outlive
    // it. Only for our own child: a re-attached job's pid could by now belong to someone else.
    if (entry.child) signalGroup(entry.pid, "SIGKILL");

    const terminal = terminalEventSince(this.db, id, entry.startedAt / 1000);
    let status: "succeeded" | "failed" | "cancelled";
    let error: string | null = null;
    if (terminal?.type === "done") status = "succeeded";
    else if (existsSync(join(entry.runDir, CANCEL_MARKER))) status = "cancelled";
    else {
      status = "failed";
      error = terminal?.type === "error" ? terminal.message : this.crashMessage(entry, exit);
    }
    if (status === "succeeded" && this.onSucceeded) {
      const row = jobRow(this.db, id)!;
      this.onSucceeded(row, this.db, this).then(
        () => this.states.finish(id, "succeeded", null),
        (e: unknown) => this.states.finish(id, "failed", `the job finished but importing its results failed: ${(e as Error).message}`),
      )
        // The job held its slot while the hook ran: what the hook queued (or anything else) may start now.
        .finally(() => guarded("scheduling jobs", () => this.schedule()));
    } else this.states.finish(id, status, error);
    if (this.attached.size === 0 && this.liveness) {
      clearInterval(this.liveness);
      this.liveness = null;
    }
    this.schedule();
  }

  private crashMessage(entry: Attached, exit: Exit | null): string {
    const how = exit?.signal
      ? `was killed by ${exit.signal}`
      : exit?.code != null
        ? `exited with code ${exit.code}`
        : `(pid ${entry.pid}) is gone`;
    const stderr = tailOfFile(join(entry.runDir, "stderr.log"));
    return `the job process ${how} without reporting done or error${stderr ? `; last lines of stderr.log:\n${stderr}` : " (stderr.log is empty)"}`;
  }
}
