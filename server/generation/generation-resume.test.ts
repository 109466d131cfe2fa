import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { chatRequests, ended, journal, lastDone, stopEmbedded } from "~/test/support/generation-run";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * Resume from the studio for expand and rewrite jobs, as for answer jobs (answer-resume.test.ts): the real trainer
 * against the embedded server, cancelled once a few requests are in its journal, resumed through the generation
 * API on a restarted server at another port; nothing journaled is asked again (requests counted where they arrive,
 * the server's log) and the result is imported as a new dataset.
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

function alpacaFile(dir: string, count: number): string {
  const path = join(dir, `alpaca_${count}.json`);
  writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, count)));
  return path;
}

/** Cancels the job once `atLeast` answers are in its journal, resumes it from the studio on a restarted embedded server, and checks that it asks only what the journal lacks. */
async function cancelThenResume(s: Studio, jobId: string, kind: string, output: string, atLeast: number) {
  const caller = createCaller(apiContext(s));
  const runDir = s.manager.runDirOf(jobId);
  const firstUrl = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")).endpoint.base_url as string;
  await waitFor(`${atLeast} answers in the ${kind} job's journal`, () => journal(runDir, output).length >= atLeast, 600_000);
  await caller.jobs.cancel({ id: jobId });
  expect(await ended(s, jobId)).toBe("cancelled");
  const before = journal(runDir, output);

  await stopEmbedded(s);
  await expect(caller.jobs.resume({ id: jobId })).rejects.toThrow(`${kind} job ${jobId} needs its endpoint again to resume`);
  expect(await caller.generation.resume({ jobId })).toEqual({ status: expect.stringMatching(/queued|running/) });
  expect(await ended(s, jobId, 900_000)).toBe("succeeded");

  const resumedUrl = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8")).endpoint.base_url as string;
  expect(resumedUrl).toBe(s.embedded.status().baseUrl);
  expect(new URL(resumedUrl).port).not.toBe(new URL(firstUrl).port);
  const after = journal(runDir, output).slice(before.length);
  const asked = new Set(before.map((r) => `${r.id}/${r.turn}`));
  expect(after.filter((r) => asked.has(`${r.id}/${r.turn}`))).toEqual([]);
  const { requests_sent } = lastDone(runDir).result;
  expect(chatRequests(s)).toBe(requests_sent);
  expect(requests_sent).toBe(after.filter((r) => !r.cached).length);
  const { datasetId } = await caller.generation.answeredDataset({ jobId });
  expect(datasetId).toEqual(expect.any(String));
  return { before, after, datasetId: datasetId! };
}

describe("expand and rewrite jobs resume from the studio", () => {
  it("resumes a cancelled rewrite job without asking a journaled rewrite again, and imports the rewrites", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 12));
    const caller = createCaller(apiContext(studio));
    const { jobId } = await caller.generation.rewrite({ datasetId: parentId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 8 });
    const { before, after, datasetId } = await cancelThenResume(studio, jobId, "rewrite", "rewrites.jsonl", 3);
    expect(new Set([...before, ...after].map((r) => r.id)).size).toBe(12);
    const made = await caller.datasets.get({ id: datasetId });
    expect(made.rowCount + made.rejectedCount).toBe(12);
    expect(await caller.datasets.origins({ id: datasetId })).toMatchObject({ counts: { rewritten: made.rowCount } });
  }, 1_200_000);

  it("resumes a cancelled expand job without asking a journaled request again, and imports the expansion", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 20));
    // A tag result calling every row Math: the curriculum wants 10 Math rows more than there are.
    const sqlite = studio.db.$client;
    sqlite.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('t', ?, 'j', 'x', 20)").run(parentId);
    for (const id of sqlite.prepare("select id from dataset_rows where dataset_id = ?").pluck().all(parentId) as number[])
      sqlite.prepare("insert into row_tags values ('t', ?, 'Math', 0.9)").run(id);
    const caller = createCaller(apiContext(studio));
    const saved = await caller.curriculum.save({ name: "more math", spec: { dataset_id: parentId, resample: { tag_result_id: "t", ratios: { Math: 1 }, n: 30 }, schedule: { mode: "plain" }, eval_size: 0 } });
    const { jobId } = await caller.generation.expand({ curriculumId: saved.id, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0.8, maxTokens: 48, maxRequestsPerType: 4 });
    const { before, datasetId } = await cancelThenResume(studio, jobId, "expand", "expanded.jsonl", 2);
    expect(before.some((r) => r.id.startsWith("expand:Math:"))).toBe(true);
    const made = await caller.datasets.get({ id: datasetId });
    expect(made).toMatchObject({ parentId, status: "ready" });
    expect(made.rowCount).toBeGreaterThanOrEqual(20);
    expect(await caller.generation.expansion({ datasetId })).toMatchObject({ types: { Math: { target: 10 } } });
  }, 1_500_000);
});
