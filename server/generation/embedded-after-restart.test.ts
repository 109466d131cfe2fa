import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { JobManager } from "~/server/jobs/manager";
import { studioJobHooks, takeOverJobs } from "~/server/startup";
import { chatRequests, ended, journal, lastDone } from "~/test/support/generation-run";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * A studio restart while an answer job asks the embedded server: the server dies with the old studio, the new one
 * re-attaches the job (real manager, real trainer, real llama.cpp server). Without more the job would pause
 * forever probing the dead port; the new studio stops it and resumes it on a fresh embedded server, which it
 * holds, and the job's pages say so.
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

const ROWS = 12;

/** A dataset of the first `rows` Alpaca rows, and an answer job over it on the embedded server. */
async function answerJob(s: Studio, rows: number) {
  const path = join(s.dir, "alpaca.json");
  writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, rows)));
  const { datasetId } = await importFile(s.db, path);
  const { jobId } = await createCaller(apiContext(s)).generation.answer({ datasetId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 8 });
  const runDir = s.manager.runDirOf(jobId);
  return { datasetId, jobId, runDir, firstUrl: JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")).endpoint.base_url as string };
}

/**
 * The studio goes away as a killed one does (the job process lives on, the embedded server dies with it) and a new
 * one opens the same SQLite file with a manager and an embedded server of its own, not yet taking over the jobs.
 */
async function restart(s: Studio, embeddedIdleMs: number): Promise<Studio> {
  s.manager.detach();
  s.embedded.stop();
  await waitFor("the old embedded server to stop", () => s.embedded.status().state === "stopped", 10_000);
  s.db.$client.close();
  const db = openDb(s.dbFile);
  const embedded = new EmbeddedServer({ repoRoot: process.cwd(), idleMs: embeddedIdleMs });
  const manager = new JobManager({ db, dataDir: s.dir, launcher: defaultLauncher(process.cwd()), gpus: [], limits: { cpu: 2, light: 2 }, cancelGraceMs: 30_000, ...studioJobHooks(embedded) });
  return { ...s, db, manager, embedded };
}

describe("jobs that asked the embedded server across a studio restart", () => {
  it("stops the re-attached answer job and resumes it on a freshly started embedded server, asking nothing twice", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const { datasetId, jobId, runDir, firstUrl } = await answerJob(studio, ROWS);
    await waitFor("a few answers in the journal", () => journal(runDir).length >= 3, 300_000);

    studio = await restart(studio, 1_000);
    const { manager, embedded } = studio;
    const caller = createCaller(apiContext(studio));
    expect((await caller.jobs.get({ id: jobId })).status).toBe("running");
    const before = journal(runDir).length;

    await takeOverJobs(manager, embedded);
    const resumed = await caller.jobs.get({ id: jobId });
    expect(resumed.status).toMatch(/queued|running/);
    expect(resumed.notice).toMatch(/^The studio restarted while this job ran or waited, and the embedded server it asked stopped with the old studio: the studio stopped the job and resumed it on a freshly started embedded server/);
    // Held for the job's life: not stopped by the 1 s idle timer while it runs.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(embedded.status().state).toBe("running");
    const spec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(spec.endpoint.base_url).toBe(embedded.status().baseUrl);
    expect(new URL(spec.endpoint.base_url).port).not.toBe(new URL(firstUrl).port);

    expect(await ended(studio, jobId, 600_000)).toBe("succeeded");
    const all = journal(runDir);
    expect(new Set(all.map((r) => `${r.id}/${r.turn}`)).size).toBe(all.length);
    expect(new Set(all.map((r) => r.id)).size).toBe(ROWS);
    const { requests_sent } = lastDone(runDir).result;
    expect(chatRequests(studio)).toBe(requests_sent);
    expect(requests_sent).toBeLessThanOrEqual(ROWS - before);
    expect((await caller.generation.answeredDataset({ jobId })).datasetId).toEqual(expect.any(String));
    // The dataset page lists the job with what the studio did.
    expect((await caller.jobs.list({ datasetId, kind: "answer" }))[0]).toMatchObject({ id: jobId, status: "succeeded", notice: resumed.notice });
    await waitFor("the embedded server to stop once the job no longer holds it", () => embedded.status().state === "stopped", 30_000);
  }, 1_200_000);

  it("resumes a job that was queued for the old embedded server on a fresh one instead of starting it at the dead port", async () => {
    // No light slot: the answer job waits in the queue, its job.json naming the embedded server of now.
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), limits: { cpu: 2, light: 0 }, hooks: studioJobHooks });
    const { jobId, runDir, firstUrl } = await answerJob(studio, 2);

    studio = await restart(studio, 60_000);
    const { manager, embedded } = studio;
    const caller = createCaller(apiContext(studio));

    await takeOverJobs(manager, embedded);
    expect((await caller.jobs.get({ id: jobId })).notice).toMatch(/resumed it on a freshly started embedded server/);
    const spec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(spec.endpoint.base_url).toBe(embedded.status().baseUrl);
    expect(spec.endpoint.base_url).not.toBe(firstUrl);
    expect(await ended(studio, jobId, 300_000)).toBe("succeeded");
    expect(chatRequests(studio)).toBe(2);
  }, 600_000);
});
