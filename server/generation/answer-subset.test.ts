import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HAND_LABELS_ONLY } from "~/lib/planning/designer-state";
import { createCaller } from "~/server/api/root";
import { saveCurriculum } from "~/server/curriculum/saved-curricula";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * Which rows an answer job answers: every row, the rows of the dataset page's search, or a saved curriculum's
 * selection; the count shown before launch is the number of rows the run folder gets. The endpoint is one the
 * user added (nothing is asked of it here: the job's process is the test emitter).
 */

let studio: Studio | null = null;
afterEach(async () => {
  // Let the emitter processes end before their folders go.
  if (studio) await waitFor("the jobs to end", () => !studio!.db.$client.prepare("select 1 from jobs where status in ('queued', 'running')").get(), 30_000);
  studio?.cleanup();
  studio = null;
});

async function setUp() {
  studio = tempStudio();
  const path = join(studio.dir, "alpaca_20.json");
  writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, 20)));
  const { datasetId } = await importFile(studio.db, path);
  const caller = createCaller(apiContext(studio));
  const endpoint = await caller.endpoints.create({ name: "far", baseUrl: "http://127.0.0.1:9/v1", model: "m", maxConcurrency: 1, requestTimeoutS: 5, inputPricePerM: null, outputPricePerM: null });
  const answer = (subset: Parameters<typeof caller.generation.answer>[0]["subset"]) =>
    caller.generation.answer({ datasetId, endpointId: endpoint.id, subset, temperature: 0, maxTokens: 8 });
  const rowIdsOf = (jobId: string) =>
    readFileSync(join(studio!.manager.runDirOf(jobId), "data/rows.jsonl"), "utf8").trim().split("\n").map((line) => Number((JSON.parse(line) as { id: string }).id));
  const idsAt = (idxs: number[]) =>
    idxs.map((idx) => (studio!.db.$client.prepare("select id from dataset_rows where dataset_id = ? and idx = ?").pluck().get(datasetId, idx) as number));
  return { caller, datasetId, answer, rowIdsOf, idsAt };
}

describe("answering a subset of a dataset", () => {
  it("answers every row, or exactly the rows the row browser shows for a search, and counts them before launch", async () => {
    const { caller, datasetId, answer, rowIdsOf, idsAt } = await setUp();
    expect(await caller.generation.answerCount({ datasetId, subset: { kind: "all" } })).toEqual({ rows: 20, description: "20 rows" });
    expect(rowIdsOf((await answer({ kind: "all" })).jobId)).toHaveLength(20);

    const q = "sentence";
    const shown = await caller.datasets.search({ id: datasetId, q, offset: 0, limit: 500 });
    expect(shown.total).toBeGreaterThan(0);
    expect(shown.total).toBeLessThan(20);
    const count = await caller.generation.answerCount({ datasetId, subset: { kind: "search", q } });
    expect(count).toEqual({ rows: shown.total, description: `${shown.total} ${shown.total === 1 ? "row" : "rows"} matching “${q}”` });
    const { jobId } = await answer({ kind: "search", q });
    expect(rowIdsOf(jobId)).toEqual(idsAt(shown.rows.map((r) => r.idx)));
    expect((await caller.jobs.get({ id: jobId })).name).toContain(`matching “${q}”`);

    await expect(answer({ kind: "search", q: "zzyzx-nowhere" })).rejects.toThrow("no row matches “zzyzx-nowhere”: there is nothing to answer");
  });

  it("answers the rows of a search among the rows of one origin, as the row browser filtered by origin shows them", async () => {
    const { caller, datasetId, answer, rowIdsOf, idsAt } = await setUp();
    // Rows 0-9 stand for a teacher's answers: the origin filter then tells them from the other ten.
    studio!.db.$client.prepare("update dataset_rows set origin = 'teacher_answer' where dataset_id = ? and idx < 10").run(datasetId);
    const q = "the";
    const all = await caller.datasets.search({ id: datasetId, q, offset: 0, limit: 500 });
    const shown = await caller.datasets.search({ id: datasetId, q, origin: "teacher_answer", offset: 0, limit: 500 });
    expect(shown.total).toBeGreaterThan(0);
    expect(shown.total).toBeLessThan(all.total);
    const subset = { kind: "search", q, origin: "teacher_answer" } as const;
    expect(await caller.generation.answerCount({ datasetId, subset })).toEqual({
      rows: shown.total,
      description: `${shown.total} ${shown.total === 1 ? "row" : "rows"} matching “${q}” among the teacher answer rows`,
    });
    expect(rowIdsOf((await answer(subset)).jobId)).toEqual(idsAt(shown.rows.map((r) => r.idx)));
    await expect(answer({ kind: "search", q: "zzyzx-nowhere", origin: "rewritten" })).rejects.toThrow(
      "no row matches “zzyzx-nowhere” among the rewritten rows: there is nothing to answer",
    );
  });

  it("answers the rows a saved curriculum's plan selects, each once, and refuses a curriculum of another dataset", async () => {
    const { caller, datasetId, answer, rowIdsOf } = await setUp();
    // Every row is "Others" without tags: the resampling draws 6 of the 15 left after 5 eval rows.
    const saved = await saveCurriculum(studio!.db, "six", {
      dataset_id: datasetId,
      resample: { tag_result_id: HAND_LABELS_ONLY, ratios: { Others: 1 }, n: 6 },
      schedule: { mode: "plain" },
      eval_size: 5,
    });
    const plan = await caller.curriculum.plan({ id: saved.id, batchSize: 1, gradAccum: 1 });
    expect(plan.samples).toBe(6);
    expect(await caller.generation.answerCount({ datasetId, subset: { kind: "curriculum", curriculumId: saved.id } })).toEqual({ rows: 6, description: "6 rows of curriculum “six”" });
    const { jobId } = await answer({ kind: "curriculum", curriculumId: saved.id });
    const ids = rowIdsOf(jobId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // dataset order

    const other = await importFile(studio!.db, sharedDataset("alpaca_en_demo.json"), { name: "other" });
    await expect(caller.generation.answerCount({ datasetId: other.datasetId, subset: { kind: "curriculum", curriculumId: saved.id } })).rejects.toThrow(
      "curriculum “six” belongs to another dataset",
    );
  });
});
