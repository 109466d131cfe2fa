import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { metricSeries } from "./job-queries";
import { jobDurationMs, jobRow } from "./job-row";
import { JobManager } from "./manager";
import { emitterJob, emitterLauncher, emitterScript, fileSeqs, python, range, storedSeqs, tempStudio, trainFields, waitFor, type Studio } from "~/test/support/studio";

let studio: Studio | null = null;
afterEach(() => {
  // Kill what a failed test left running, so no emitter outlives its test.
  if (studio) for (const row of studio.db.$client.prepare("select pid from jobs where pid is not null").all() as { pid: number }[]) {
    try {
      process.kill(-row.pid, "SIGKILL");
    } catch {}
  }
  studio?.cleanup();
  studio = null;
});

const finished = (s: Studio, id: string) => {
  const row = jobRow(s.db, id)!;
  return ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
};

describe("cancel grace period", () => {
  const saved = process.env.DISTILL_CANCEL_GRACE_MS;
  afterEach(() => {
    if (saved === undefined) delete process.env.DISTILL_CANCEL_GRACE_MS;
    else process.env.DISTILL_CANCEL_GRACE_MS = saved;
  });

  it("defaults to 60 s, reads DISTILL_CANCEL_GRACE_MS, and refuses a bad value when the manager starts", () => {
    delete process.env.DISTILL_CANCEL_GRACE_MS;
    studio = tempStudio({ cancelGraceMs: undefined });
    expect(studio.manager.cancelGraceMs).toBe(60_000);
    process.env.DISTILL_CANCEL_GRACE_MS = "90000";
    expect(new JobManager({ db: studio.db, dataDir: studio.dir, gpus: [], limits: { cpu: 1, light: 1 } }).cancelGraceMs).toBe(90_000);
    process.env.DISTILL_CANCEL_GRACE_MS = "1 minute";
    expect(() => new JobManager({ db: studio!.db, dataDir: studio!.dir, gpus: [], limits: { cpu: 1, light: 1 } })).toThrow(
      /DISTILL_CANCEL_GRACE_MS=1 minute is not a whole number of milliseconds/,
    );
  });
});

describe("job manager with real processes", () => {
  it("runs a job to success and stores every event once, in order", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 30, rate: 100 }));
    expect(existsSync(join(job.runDir, "job.json"))).toBe(true);
    const row = await waitFor("success", () => finished(studio!, job.id));
    expect(row.status).toBe("succeeded");
    expect(row.progress).toBe(1);
    expect(row.pid).toBeNull();
    const seqs = storedSeqs(studio.db, job.id);
    expect(seqs).toEqual(fileSeqs(job.runDir));
    expect(seqs).toEqual(range(1, seqs.length));
    expect(row.lastSeq).toBe(seqs.length);
    expect(metricSeries(studio.db, job.id).map((p) => p.step)).toEqual(range(1, 30));
  });

  it("gives the per-bucket training loss of metric events back as objects, and none where an event has none", async () => {
    studio = tempStudio();
    const withBuckets = await studio.manager.createJob(emitterJob({ steps: 3, rate: 100, buckets: 2 }));
    const plain = await studio.manager.createJob(emitterJob({ steps: 3, rate: 100 }));
    for (const job of [withBuckets, plain]) await waitFor("success", () => finished(studio!, job.id));
    const [first] = metricSeries(studio.db, withBuckets.id);
    expect(Object.keys(first!.bucket_loss!)).toEqual(["1", "2"]);
    expect(first!.bucket_loss!["2"]).toBeCloseTo(first!.loss * 1.2, 10);
    expect(metricSeries(studio.db, plain.id).map((p) => p.bucket_loss)).toEqual([null, null, null]);
  });

  it("marks a job killed with SIGKILL failed within 5 s, with its stderr, and keeps its metrics", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 50 }));
    await waitFor("some metrics", () => metricSeries(studio!.db, job.id).length >= 10);
    process.kill(jobRow(studio.db, job.id)!.pid!, "SIGKILL");
    const row = await waitFor("failure", () => finished(studio!, job.id), 5_000);
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/killed by SIGKILL/);
    expect(row.error).toMatch(/emitter: starting from step 0/);
    expect(metricSeries(studio.db, job.id).length).toBeGreaterThanOrEqual(10);
    expect(storedSeqs(studio.db, job.id)).toEqual(fileSeqs(job.runDir));
  });

  it("fails with the message of an error event", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 100, rate: 200, fail_at: 5 }));
    const row = await waitFor("failure", () => finished(studio!, job.id));
    expect(row.status).toBe("failed");
    expect(row.error).toBe("emitter failed on purpose at step 5");
  });

  it("fails a job whose program cannot be started, naming it", async () => {
    studio = tempStudio({ launcher: () => ["/nonexistent/python", "x"] });
    const job = await studio.manager.createJob(emitterJob({ steps: 1, rate: 1 }));
    const row = await waitFor("failure", () => finished(studio!, job.id));
    expect(row.error).toMatch(/could not start \/nonexistent\/python/);
  });

  it("re-attaches after a studio restart without losing or repeating an event", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 150, rate: 50 }));
    await waitFor("events stored", () => storedSeqs(studio!.db, job.id).length >= 20);
    // The studio goes away: no tailer, no exit listener, its connection closed; the job keeps writing.
    studio.manager.detach();
    studio.db.$client.close();
    await new Promise((r) => setTimeout(r, 700));
    const db = openDb(studio.dbFile);
    const manager = new JobManager({ db, dataDir: studio.dir, launcher: emitterLauncher, gpus: [], limits: { cpu: 2, light: 2 } });
    studio = { ...studio, db, manager };
    expect(jobRow(db, job.id)!.status).toBe("running");
    manager.attachRunningJobs();
    const row = await waitFor("success", () => finished(studio!, job.id));
    expect(row.status).toBe("succeeded");
    const seqs = storedSeqs(db, job.id);
    expect(seqs).toEqual(range(1, seqs.length));
    expect(seqs).toEqual(fileSeqs(job.runDir));
    expect(metricSeries(db, job.id).map((p) => p.step)).toEqual(range(1, 150));
  });

  it("finalises, on re-attach, a job that died while the studio was down", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 50 }));
    await waitFor("events stored", () => storedSeqs(studio!.db, job.id).length >= 5);
    studio.manager.detach();
    process.kill(jobRow(studio.db, job.id)!.pid!, "SIGKILL");
    await waitFor("the process to be gone", () => {
      try {
        process.kill(jobRow(studio!.db, job.id)!.pid!, 0);
        return false;
      } catch {
        return true;
      }
    });
    const manager = new JobManager({ db: studio.db, dataDir: studio.dir, launcher: emitterLauncher, gpus: [], limits: { cpu: 2, light: 2 } });
    studio = { ...studio, manager };
    manager.attachRunningJobs();
    const row = jobRow(studio.db, job.id)!;
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/is gone without reporting done/);
    expect(storedSeqs(studio.db, job.id)).toEqual(fileSeqs(job.runDir));
  });

  it("cancels a running job with SIGTERM; it checkpoints and the job is cancelled", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 50 }));
    await waitFor("some metrics", () => metricSeries(studio!.db, job.id).length >= 5);
    expect(studio.manager.cancel(job.id)).toBe("running");
    const row = await waitFor("cancellation", () => finished(studio!, job.id));
    expect(row.status).toBe("cancelled");
    const last = studio.db.$client
      .prepare("select data from job_events where job_id = ? and type = 'checkpoint' order by seq desc")
      .pluck()
      .get(job.id) as string;
    expect(JSON.parse(last).reason).toBe("signal");
  });

  it("kills a job that ignores SIGTERM after the grace period", async () => {
    studio = tempStudio({ cancelGraceMs: 500 });
    const job = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 50, ignore_sigterm: true }));
    await waitFor("some metrics", () => metricSeries(studio!.db, job.id).length >= 3);
    studio.manager.cancel(job.id);
    const row = await waitFor("cancellation", () => finished(studio!, job.id), 5_000);
    expect(row.status).toBe("cancelled");
  });

  it("queues past the slot limit, shows the position, and cancels a queued job at once", async () => {
    studio = tempStudio({ limits: { cpu: 1, light: 2 } });
    const first = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 20 }, "first"));
    const second = await studio.manager.createJob(emitterJob({ steps: 5, rate: 100 }, "second"));
    const third = await studio.manager.createJob(emitterJob({ steps: 5, rate: 100 }, "third"));
    expect(jobRow(studio.db, first.id)!.status).toBe("running");
    expect(studio.manager.queuePositions()).toEqual(new Map([[second.id, 1], [third.id, 2]]));
    expect(studio.manager.cancel(second.id)).toBe("cancelled");
    expect(jobRow(studio.db, second.id)!.status).toBe("cancelled");
    expect(studio.manager.queuePositions()).toEqual(new Map([[third.id, 1]]));
    studio.manager.cancel(first.id);
    const row = await waitFor("the queued job to run", () => finished(studio!, third.id));
    expect(row.status).toBe("succeeded");
    expect(studio.manager.slots().cpu).toEqual({ limit: 1, jobIds: [] });
  });

  it("resumes a cancelled job from its checkpoint, continuing the seq in the same run folder", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 60, rate: 50, checkpoint_every: 10 }));
    await waitFor("a checkpoint", () => metricSeries(studio!.db, job.id).length >= 15);
    studio.manager.cancel(job.id);
    await waitFor("cancellation", () => finished(studio!, job.id));
    const before = jobRow(studio.db, job.id)!.lastSeq;
    studio.manager.resume(job.id);
    const row = await waitFor("success", () => finished(studio!, job.id));
    expect(row.status).toBe("succeeded");
    const seqs = storedSeqs(studio.db, job.id);
    expect(seqs).toEqual(range(1, seqs.length));
    expect(seqs.length).toBeGreaterThan(before);
    expect(seqs).toEqual(fileSeqs(job.runDir));
    // The resumed attempt starts at the checkpointed step and ends at the last one.
    expect(metricSeries(studio.db, job.id).at(-1)!.step).toBe(60);
    expect(() => studio!.manager.resume(job.id)).toThrow(/is succeeded; only failed or cancelled jobs resume/);
  });

  it("resumes a job killed with SIGKILL: one metric point per step, the resumed attempt's, and a duration of both attempts", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 40, rate: 50, checkpoint_every: 10 }));
    // Past the checkpoint at step 10, so the resumed attempt repeats steps 11.. that the killed one wrote.
    await waitFor("steps after a checkpoint", () => metricSeries(studio!.db, job.id).length >= 15);
    process.kill(jobRow(studio.db, job.id)!.pid!, "SIGKILL");
    const killed = await waitFor("failure", () => finished(studio!, job.id), 5_000);
    expect(killed.status).toBe("failed");
    const killedAt = metricSeries(studio.db, job.id).at(-1)!;
    const checkpointed = Number(readFileSync(join(job.runDir, "checkpoints/latest.txt"), "utf8"));
    expect(killedAt.step).toBeGreaterThan(checkpointed);

    studio.manager.resume(job.id);
    const done = await waitFor("success", () => finished(studio!, job.id));
    expect(done.status).toBe("succeeded");
    const points = metricSeries(studio.db, job.id);
    expect(points.map((p) => p.step)).toEqual(range(1, 40));
    // Steps after the checkpoint are the resumed attempt's, written after everything the killed one wrote.
    expect(points.filter((p) => p.step > checkpointed).every((p) => p.seq > killedAt.seq)).toBe(true);
    expect(points.filter((p) => p.step <= checkpointed).every((p) => p.seq < killedAt.seq)).toBe(true);
    expect(jobDurationMs(done)).toBe(killed.endedAt! - killed.startedAt! + (done.endedAt! - done.startedAt!));
  });

  it("refuses to resume a job without a checkpoint", async () => {
    studio = tempStudio();
    const job = await studio.manager.createJob(emitterJob({ steps: 100, rate: 200, fail_at: 3 }));
    await waitFor("failure", () => finished(studio!, job.id));
    expect(() => studio!.manager.resume(job.id)).toThrow(/has no checkpoint/);
  });

  it("gives a job its lease's environment without writing it anywhere, and releases the lease once however the job ends", async () => {
    // The emitter, started by a shell that first records what the job's environment holds.
    const launcher = (_kind: string, runDir: string) => ["/bin/sh", "-c", 'printf %s "$DISTILL_LEASE_TEST" > "$0/seen-env"; exec "$1" "$2" "$0"', runDir, python, emitterScript];
    studio = tempStudio({ launcher, limits: { cpu: 1, light: 1 } });
    const released: string[] = [];
    const lease = (name: string) => ({ env: { DISTILL_LEASE_TEST: `secret-of-${name}` }, release: () => released.push(name) });
    const first = await studio.manager.createJob({ ...emitterJob({ steps: 20, rate: 50 }), lease: lease("first") });
    const queued = await studio.manager.createJob({ ...emitterJob({ steps: 5, rate: 50 }), lease: lease("queued") });
    expect(jobRow(studio.db, queued.id)!.status).toBe("queued");
    studio.manager.cancel(queued.id);
    expect(released).toEqual(["queued"]);
    await waitFor("success", () => finished(studio!, first.id));
    expect(released).toEqual(["queued", "first"]);
    expect(readFileSync(join(first.runDir, "seen-env"), "utf8")).toBe("secret-of-first");
    for (const file of ["job.json", "events.jsonl", "stdout.log", "stderr.log"]) expect(readFileSync(join(first.runDir, file), "utf8")).not.toContain("secret-of");
    expect(JSON.stringify(studio.db.$client.prepare("select * from jobs").all())).not.toContain("secret-of");
  });
});

describe("GPU slots", () => {
  const environOf = (pid: number) =>
    Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
  const cudaJob = () => ({ ...emitterJob({ steps: 10_000, rate: 20 }), spec: { ...trainFields, device: "cuda" } });

  it("runs one job per GPU with CUDA_VISIBLE_DEVICES set, queues the rest, and hides GPUs from CPU jobs", async () => {
    const gpus = [0, 1].map((index) => ({ index, name: `gpu${index}`, memoryMb: 1 }));
    studio = tempStudio({ gpus });
    const jobs = [await studio.manager.createJob(cudaJob()), await studio.manager.createJob(cudaJob()), await studio.manager.createJob(cudaJob())];
    const cpu = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 20 }));
    const rows = jobs.map((j) => jobRow(studio!.db, j.id)!);
    expect(rows.map((r) => [r.status, r.device])).toEqual([["running", "cuda:0"], ["running", "cuda:1"], ["queued", null]]);
    expect(studio.manager.queuePositions().get(jobs[2]!.id)).toBe(1);
    const env = environOf(rows[1]!.pid!);
    expect([env.CUDA_VISIBLE_DEVICES, env.PYTHONUNBUFFERED, env.HF_HUB_OFFLINE]).toEqual(["1", "1", "1"]);
    expect(environOf(jobRow(studio.db, cpu.id)!.pid!).CUDA_VISIBLE_DEVICES).toBe("");
    studio.manager.cancel(jobs[0]!.id);
    await waitFor("the queued job on the freed GPU", () => jobRow(studio!.db, jobs[2]!.id)!.device === "cuda:0");
  });

  it("gives a job asking for several GPUs that many (or exactly the ones it names), with the process count, and fails what the machine cannot give", async () => {
    const gpus = [0, 1, 2].map((index) => ({ index, name: `gpu${index}`, memoryMb: 1 }));
    const launched: number[] = [];
    studio = tempStudio({
      gpus,
      launcher: (kind, runDir, resume, processes = 1) => {
        launched.push(processes);
        return emitterLauncher(kind, runDir, resume);
      },
    });
    const on = (distributed: object) => ({ ...cudaJob(), spec: { ...trainFields, device: "cuda", distributed } });
    const pinned = await studio.manager.createJob(on({ gpus: 2, gpu_ids: [2, 0] }));
    const two = await studio.manager.createJob(on({ gpus: 2 }));
    const one = await studio.manager.createJob(cudaJob());
    const device = (id: string) => jobRow(studio!.db, id)!.device;
    // The pair waits for two free GPUs; the single job behind it takes the one left.
    expect([device(pinned.id), device(two.id), device(one.id)]).toEqual(["cuda:2,0", null, "cuda:1"]);
    expect(launched).toEqual([2, 1]);
    const env = environOf(jobRow(studio.db, pinned.id)!.pid!);
    expect([env.CUDA_VISIBLE_DEVICES, env.TORCH_ELASTIC_SHUTDOWN_TIMEOUT]).toEqual(["2,0", "5"]); // the 5 s cancel grace
    expect(studio.manager.slots().gpus.map((g) => g.jobId)).toEqual([pinned.id, one.id, pinned.id]);
    const absent = await studio.manager.createJob(on({ gpus: 1, gpu_ids: [7] }));
    const tooMany = await studio.manager.createJob(on({ gpus: 4 }));
    expect(jobRow(studio.db, absent.id)!.error).toMatch(/asks for GPU 7, which this machine does not have \(it has 0, 1, 2\)/);
    expect(jobRow(studio.db, tooMany.id)!.error).toMatch(/asks for 4 GPUs but this machine has 3/);
    studio.manager.cancel(pinned.id);
    await waitFor("the pair on the two GPUs freed", () => device(two.id) === "cuda:0,2");
  });

  it("fails a job that asks for CUDA on a machine without a GPU", async () => {
    studio = tempStudio({ gpus: [] });
    const job = await studio.manager.createJob(cudaJob());
    expect(jobRow(studio.db, job.id)!.error).toMatch(/asks for device "cuda" but this machine has no GPU/);
  });
});
