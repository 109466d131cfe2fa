import { afterEach, describe, expect, it } from "vitest";
import type { JobEvent } from "~/lib/contracts/events";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { jobRow } from "~/server/jobs/job-row";
import { apiContext, emitterJob, emitterLauncher, range, serveJobsRouter, storedSeqs, tempStudio, waitFor, type Studio } from "~/test/support/studio";
import { jobsRouter } from "./jobs";

const router = createTRPCRouter({ jobs: jobsRouter });
const createCaller = createCallerFactory(router);

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** A studio whose manager (the one the router gets in its context) runs the fixture emitter on a temp database. */
function start() {
  studio = tempStudio();
  return { studio, caller: createCaller(apiContext(studio)) };
}

type Tracked = { id: string; data: JobEvent };

async function collect(iterable: AsyncIterable<unknown>, until?: (seen: Tracked[]) => boolean): Promise<Tracked[]> {
  const seen: Tracked[] = [];
  for await (const item of iterable) {
    const [id, data] = item as [string, JobEvent];
    seen.push({ id, data });
    if (until?.(seen)) break;
  }
  return seen;
}

describe("jobs router", () => {
  it("gives 50 concurrent subscribers the identical, complete event sequence, ending when the job ends", async () => {
    const { studio, caller } = start();
    const job = await studio.manager.createJob(emitterJob({ steps: 120, rate: 100 }));
    const subscribers = await Promise.all(range(1, 50).map(() => caller.jobs.events({ jobId: job.id })));
    const results = await Promise.all(subscribers.map((s) => collect(s)));
    const stored = storedSeqs(studio.db, job.id);
    expect(stored).toEqual(range(1, stored.length));
    for (const events of results) {
      expect(events.map((e) => e.data.seq)).toEqual(stored);
      expect(events.map((e) => e.id)).toEqual(stored.map(String));
    }
    expect(results[0]!.at(-1)!.data.type).toBe("done");
    expect(studio!.manager.bus.subscriberCount(job.id)).toBe(0);
  });

  it("resumes exactly after lastEventId, both mid-run and after the job ended", async () => {
    const { studio, caller } = start();
    const job = await studio.manager.createJob(emitterJob({ steps: 80, rate: 100 }));
    // Breaking out of the loop ends the subscription, as a dropped SSE connection does.
    const first = await collect(await caller.jobs.events({ jobId: job.id }), (s) => s.length === 25);
    expect(studio!.manager.bus.subscriberCount(job.id)).toBe(0);
    const rest = await collect(await caller.jobs.events({ jobId: job.id, lastEventId: first.at(-1)!.id }));
    const all = [...first, ...rest].map((e) => e.data.seq);
    expect(all).toEqual(storedSeqs(studio.db, job.id));
    const tail = await collect(await caller.jobs.events({ jobId: job.id, lastEventId: "70" }));
    expect(tail.map((e) => e.data.seq)).toEqual(range(71, all.length));
  });

  it("serves 50 subscribers over real HTTP SSE with identical sequences", async () => {
    const { studio } = start();
    const server = await serveJobsRouter(studio);
    try {
      const job = await studio.manager.createJob(emitterJob({ steps: 100, rate: 100 }));
      const runs = range(1, 50).map(
        () =>
          new Promise<number[]>((resolve, reject) => {
            const seqs: number[] = [];
            server.client().jobs.events.subscribe(
              { jobId: job.id },
              { onData: (e) => seqs.push(e.data.seq), onComplete: () => resolve(seqs), onError: reject },
            );
          }),
      );
      const results = await Promise.all(runs);
      const stored = storedSeqs(studio.db, job.id);
      for (const seqs of results) expect(seqs).toEqual(stored);
      // What the SSE path declines goes to tRPC, which answers with its usual error.
      const missing = new Promise<unknown>((resolve) => {
        const sub = server.client().jobs.events.subscribe({ jobId: "nope" }, { onError: (e) => (sub.unsubscribe(), resolve(e)) });
      });
      await expect(missing).resolves.toMatchObject({ message: "job nope does not exist" });
    } finally {
      await server.close();
    }
  });

  it("lists, gets, charts, cancels and reports devices", async () => {
    const { studio, caller } = start();
    const job = await studio.manager.createJob(emitterJob({ steps: 10_000, rate: 50 }));
    await waitFor("metrics", () => storedSeqs(studio.db, job.id).length >= 10);
    const [listed] = await caller.jobs.list({ kind: "train" });
    expect(listed).toMatchObject({ id: job.id, status: "running", queuePosition: null, lastMetric: { stage: 1 } });
    const got = await caller.jobs.get({ id: job.id });
    expect(got.spec.kind).toBe("train");
    expect(got.lastEvents.metric?.type).toBe("metric");
    const metrics = await caller.jobs.metrics({ id: job.id });
    expect(metrics[0]).toMatchObject({ step: 1, stage: 1, temperature: 2, tokens_seen: 512 });
    expect(await caller.jobs.devices()).toEqual({ gpus: [], cpu: { limit: 2, jobIds: [job.id] }, light: { limit: 2, jobIds: [] } });
    expect(await caller.jobs.cancel({ id: job.id })).toEqual({ status: "running" });
    await waitFor("cancellation", () => jobRow(studio.db, job.id)!.status === "cancelled");
    await expect(caller.jobs.cancel({ id: job.id })).rejects.toThrow(/already cancelled/);
    await expect(caller.jobs.get({ id: "nope" })).rejects.toThrow(/job nope does not exist/);
  });
});
