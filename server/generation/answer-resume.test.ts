import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { chatRequests, ended, journal, lastDone, stopEmbedded } from "~/test/support/generation-run";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * Resume and repeat against the embedded endpoint, which gets a new port on every start: the journal's and the
 * cache's keys use the endpoint's identity (model + GGUF), not its address, so a job stopped, resumed on a
 * restarted server, and then repeated asks nothing twice. Requests are counted where they arrive: the embedded
 * server's own log.
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

const ROWS = 16;
const portOf = (baseUrl: string) => new URL(baseUrl).port;

describe("answer job resume against the embedded endpoint", () => {
  it("resumes a cancelled job on a restarted server at another port and repeats it, sending no finished request again", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const path = join(studio.dir, "alpaca.json");
    writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, ROWS)));
    const { datasetId } = await importFile(studio.db, path);
    const caller = createCaller(apiContext(studio));
    const input = { datasetId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 8 };

    // 1. Started, then cancelled once a few answers are in the journal.
    const { jobId } = await caller.generation.answer(input);
    const runDir = studio.manager.runDirOf(jobId);
    const firstSpec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(firstSpec.endpoint.identity).toMatch(/^embedded\/smollm2-135m-instruct@sha256:[0-9a-f]{64}$/);
    await waitFor("a few answers in the journal", () => journal(runDir).length >= 3, 240_000);
    await caller.jobs.cancel({ id: jobId });
    expect(await ended(studio, jobId)).toBe("cancelled");
    const before = journal(runDir);
    expect(before.length).toBeLessThan(ROWS);
    // Requests in flight at the cancel may still have been answered, but never journaled: those are asked again.
    expect(chatRequests(studio)).toBeGreaterThanOrEqual(before.length);

    // 2. The embedded server stops; Resume starts it again, at another port, and gives the job that address.
    await stopEmbedded(studio);
    expect(await caller.generation.resume({ jobId })).toEqual({ status: expect.stringMatching(/queued|running/) });
    expect(await ended(studio, jobId)).toBe("succeeded");
    const resumedSpec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(resumedSpec.endpoint.base_url).toBe(studio.embedded.status().baseUrl);
    expect(portOf(resumedSpec.endpoint.base_url)).not.toBe(portOf(firstSpec.endpoint.base_url));
    expect(resumedSpec.endpoint.identity).toBe(firstSpec.endpoint.identity);
    const after = journal(runDir).slice(before.length);
    const answeredBefore = new Set(before.map((r) => `${r.id}/${r.turn}`));
    // Nothing answered before was asked again, and everything else was: each row once.
    expect(after.filter((r) => answeredBefore.has(`${r.id}/${r.turn}`))).toEqual([]);
    expect(new Set([...before, ...after].map((r) => r.id)).size).toBe(ROWS);
    const resumed = lastDone(runDir).result;
    expect(chatRequests(studio)).toBe(resumed.requests_sent);
    expect(resumed.requests_sent).toBe(after.filter((r) => !r.cached).length);
    expect(resumed.requests_sent).toBeLessThanOrEqual(ROWS - before.length);
    const { datasetId: answeredId } = await caller.generation.answeredDataset({ jobId });
    const made = await caller.datasets.get({ id: answeredId! });
    expect(made.rowCount + made.rejectedCount).toBe(ROWS);

    // 3. Repeated on yet another start of the server: the cache answers everything, no request arrives.
    await stopEmbedded(studio);
    const repeat = await caller.generation.answer(input);
    expect(await ended(studio, repeat.jobId)).toBe("succeeded");
    const repeatSpec = JSON.parse(readFileSync(join(studio.manager.runDirOf(repeat.jobId), "job.json"), "utf8"));
    expect(portOf(repeatSpec.endpoint.base_url)).not.toBe(portOf(resumedSpec.endpoint.base_url));
    expect(chatRequests(studio)).toBe(0);
    expect(lastDone(studio.manager.runDirOf(repeat.jobId)).result).toMatchObject({ requests_sent: 0, cache_hits: ROWS });
  }, 900_000);

  it("resumes only through its endpoint: the jobs API refuses, and an endpoint deleted since says so", async () => {
    studio = tempStudio(); // the job's process is the test emitter, which fails at once without its emitter.json
    const { datasetId } = await importFile(studio.db, sharedDataset("alpaca_en_demo.json"));
    const caller = createCaller(apiContext(studio));
    const endpoint = await caller.endpoints.create({ name: "far", baseUrl: "http://127.0.0.1:9/v1", model: "m", maxConcurrency: 1, requestTimeoutS: 5, inputPricePerM: null, outputPricePerM: null });
    const { jobId } = await caller.generation.answer({ datasetId, endpointId: endpoint.id, temperature: 0, maxTokens: 8 });
    expect(await ended(studio, jobId)).toBe("failed");
    await expect(caller.jobs.resume({ id: jobId })).rejects.toThrow(`answer job ${jobId} needs its endpoint again to resume: resume it from its dataset's page`);

    // Moved meanwhile: the resumed attempt connects where the endpoint is now, under the same identity.
    await caller.endpoints.update({ ...endpoint, baseUrl: "http://127.0.0.1:10/v1" });
    await caller.generation.resume({ jobId });
    const spec = JSON.parse(readFileSync(join(studio.manager.runDirOf(jobId), "job.json"), "utf8"));
    expect(spec.endpoint).toMatchObject({ base_url: "http://127.0.0.1:10/v1", identity: `endpoint/${endpoint.id}` });
    expect((await caller.jobs.get({ id: jobId })).spec).toEqual(spec);
    expect(await ended(studio, jobId)).toBe("failed");

    await caller.endpoints.delete({ id: endpoint.id });
    await expect(caller.generation.resume({ jobId })).rejects.toThrow(`the endpoint answer job ${jobId} used was deleted: start a new answer job with another one`);
  });
});
