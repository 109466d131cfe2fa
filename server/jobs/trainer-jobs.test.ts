import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { defaultLauncher } from "./command";
import { metricSeries } from "./job-queries";
import { jobRow } from "./job-row";
import { JobManager } from "./manager";
import { alpacaTrainFiles, fileSeqs, range, storedSeqs, tempStudio, trainFields, waitFor, type Studio } from "~/test/support/studio";

/**
 * The job manager driving the real trainer (`python -m distill run`, the default launcher): the embedded
 * SmolLM2-135M teacher and a 2-layer pruned student on real Alpaca rows, small enough for shared CPUs.
 */

function trainJob() {
  return {
    kind: "train" as const,
    name: "real trainer",
    spec: {
      ...trainFields,
      eval_data: null,
      optim: { batch_size: 2, lr: 3e-4 },
      max_length: 48,
      max_prompt_length: 24,
      checkpoint_every: 2,
      eval: { every: 0, num_prompts: 0 },
    },
    files: alpacaTrainFiles(6),
  };
}

let studio: Studio | null = null;
afterEach(() => {
  const pid = studio && (studio.db.$client.prepare("select pid from jobs where pid is not null").pluck().get() as number | undefined);
  if (pid) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
  studio?.cleanup();
  studio = null;
});

const settled = (id: string) => {
  const row = jobRow(studio!.db, id)!;
  return ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
};

describe("job manager with the real trainer", () => {
  it("cancels a training run (SIGTERM: checkpoint, exit 143), resumes it across a studio restart, seq continuing", async () => {
    // A step takes tens of seconds on busy shared CPUs; the trainer finishes it before checkpointing.
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), cancelGraceMs: 300_000 });
    const job = await studio.manager.createJob(trainJob());
    await waitFor("a first training step", () => metricSeries(studio!.db, job.id).length >= 1, 240_000);
    studio.manager.cancel(job.id);
    const cancelled = await waitFor("cancellation", () => settled(job.id), 120_000);
    expect(cancelled.status).toBe("cancelled");
    const stoppedAt = metricSeries(studio.db, job.id).at(-1)!.step;

    studio.manager.resume(job.id);
    // The studio restarts while the resumed trainer runs: its tailer and connection go away, a new manager on
    // a new connection re-attaches from the stored offset.
    const before = jobRow(studio.db, job.id)!.lastSeq;
    await waitFor("the resumed trainer's first event", () => jobRow(studio!.db, job.id)!.lastSeq > before, 120_000);
    studio.manager.detach();
    studio.db.$client.close();
    const db = openDb(studio.dbFile);
    const manager = new JobManager({ db, dataDir: studio.dir, gpus: [], limits: { cpu: 1, light: 1 } });
    studio = { ...studio, db, manager };
    manager.attachRunningJobs();
    const done = await waitFor("the resumed run to finish", () => settled(job.id), 300_000);
    expect(done.status, done.error ?? "").toBe("succeeded");
    const seqs = storedSeqs(studio.db, job.id);
    expect(seqs).toEqual(range(1, seqs.length));
    expect(seqs).toEqual(fileSeqs(done.runDir));
    const steps = metricSeries(studio.db, job.id).map((p) => p.step);
    expect(steps.at(-1)).toBe(3); // 6 rows / batch 2
    // The resumed attempt starts right after the step the SIGTERM checkpoint holds.
    expect(steps.slice(steps.indexOf(stoppedAt) + 1)).toEqual(range(stoppedAt + 1, 3));
  }, 600_000);

  it("marks a trainer killed with SIGKILL failed within 5 s, keeping its metrics", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()) });
    const job = await studio.manager.createJob(trainJob());
    await waitFor("a first training step", () => metricSeries(studio!.db, job.id).length >= 1, 240_000);
    process.kill(jobRow(studio.db, job.id)!.pid!, "SIGKILL");
    const row = await waitFor("failure", () => settled(job.id), 5_000);
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/killed by SIGKILL/);
    expect(metricSeries(studio.db, job.id).length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
