import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lengthHistogram } from "~/server/datasets/histogram";
import { buildSpec } from "~/server/jobs/run-folder";
import { tempStudio, type Studio } from "~/test/support/studio";
import { seedDataset } from "~/test/support/seed-dataset";
import { importJobResult } from "./import-results";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** A ready dataset "d" of n rows, and a finished job's run folder holding `output` lines. */
function finishedJob(kind: "tag" | "score" | "lengths", n: number, lines: (ids: number[]) => object[]) {
  studio = tempStudio();
  seedDataset(studio.db, "d", n);
  const ids = studio.db.$client.prepare("select id from dataset_rows where dataset_id = 'd' order by idx").pluck().all() as number[];
  const fields = {
    tag: { tagger: { source: "embedded" } },
    score: { scorer: "pocl", teacher: { source: "embedded" }, student: { source: "pruned", num_layers: 2 } },
    lengths: { tokenizer: { source: "embedded" } },
  }[kind];
  const id = `${kind}-1`;
  const spec = buildSpec(kind, fields, id, "2026-01-01T00:00:00Z");
  const runDir = join(studio.dir, "runs", id);
  mkdirSync(runDir, { recursive: true });
  const output = join(runDir, (spec as { output: string }).output);
  writeFileSync(output, lines(ids).map((l) => JSON.stringify(l) + "\n").join(""));
  return { db: studio.db, ids, output, job: { id, runDir, datasetId: "d", spec } };
}

const count = (s: Studio, sql: string) => s.db.$client.prepare(sql).pluck().get() as number;

describe("importing a finished job's results", () => {
  it("imports a tag job twice as one result with its rows once", async () => {
    const { db, ids, job } = finishedJob("tag", 4, (ids) =>
      ids.slice(0, 3).map((id, i) => ({ id: String(id), label: i ? "Math" : "Coding", confidence: 0.5 + i / 10, tagger: "minilm" })),
    );
    await importJobResult(db, job);
    await importJobResult(db, job);
    expect(db.$client.prepare("select id, job_id, tagger, row_count from tag_results").all()).toEqual([
      { id: "tag-1", job_id: "tag-1", tagger: "minilm", row_count: 3 },
    ]);
    expect(db.$client.prepare("select row_id, label, confidence from row_tags where result_id = 'tag-1' order by row_id").raw().all()).toEqual([
      [ids[0], "Coding", 0.5],
      [ids[1], "Math", 0.6],
      [ids[2], "Math", 0.7],
    ]);
  });

  it("replaces what an interrupted import of the same job left", async () => {
    const { db, ids, job } = finishedJob("tag", 3, (ids) => ids.map((id) => ({ id: String(id), label: "Math", confidence: 1, tagger: "t" })));
    db.$client.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('tag-1', 'd', 'tag-1', '', 0)").run();
    db.$client.prepare("insert into row_tags values ('tag-1', ?, 'Coding', 0.1)").run(ids[0]);
    await importJobResult(db, job);
    expect(count(studio!, "select row_count from tag_results where id = 'tag-1'")).toBe(3);
    expect(db.$client.prepare("select label from row_tags order by row_id").pluck().all()).toEqual(["Math", "Math", "Math"]);
  });

  it("imports a score job twice as one result with its rows and components once", async () => {
    const { db, ids, job } = finishedJob("score", 3, (ids) => ids.map((id, i) => ({ id: String(id), score: i, difficulty: i / 2, rouge_l: 0.25 })));
    await importJobResult(db, job);
    await importJobResult(db, job);
    expect(db.$client.prepare("select id, scorer, row_count from score_results").all()).toEqual([{ id: "score-1", scorer: "pocl", row_count: 3 }]);
    expect(db.$client.prepare("select row_id, difficulty, components from row_scores order by row_id").raw().all()).toEqual(
      ids.map((id, i) => [id, i / 2, '{"rouge_l":0.25}']),
    );
  });

  it("imports token lengths twice to the same lengths, prompt-only rows with 0 response tokens", async () => {
    const { db, ids, job } = finishedJob("lengths", 3, (ids) => ids.map((id, i) => ({ id: String(id), prompt_tokens: 10 + i, response_tokens: i ? 5 : 0 })));
    await importJobResult(db, job);
    await importJobResult(db, job);
    expect(db.$client.prepare("select id, prompt_length, response_length from dataset_rows order by idx").raw().all()).toEqual([
      [ids[0], 10, 0],
      [ids[1], 11, 5],
      [ids[2], 12, 5],
    ]);
    // The histogram's cached counts are refreshed by the import, not left for the next read to rebuild.
    expect(db.$client.prepare("select field, length, count from dataset_length_counts where dataset_id = 'd' order by field, length").raw().all()).toEqual([
      ["prompt", 10, 1], ["prompt", 11, 1], ["prompt", 12, 1], ["response", 0, 1], ["response", 5, 2],
    ]);
    const histogram = lengthHistogram(db, "d", "response", 10);
    expect(histogram).toMatchObject({ unit: "tokens", min: 0, max: 5 });
    expect(histogram.bins.reduce((sum, b) => sum + b.count, 0)).toBe(3);
  });

  it("leaves nothing of a result whose file has a bad line, and keeps an earlier good import of it", async () => {
    const { db, ids, output, job } = finishedJob("tag", 3, (ids) => ids.map((id) => ({ id: String(id), label: "Math", confidence: 1, tagger: "t" })));
    writeFileSync(output, `${JSON.stringify({ id: String(ids[0]), label: "Math", confidence: 1, tagger: "t" })}\n{"id": "${ids[1]}", "label": 3}\n`);
    await expect(importJobResult(db, job)).rejects.toThrow(/tags\.jsonl line 2: /);
    expect(count(studio!, "select count(*) from tag_results") + count(studio!, "select count(*) from row_tags")).toBe(0);
    writeFileSync(output, `${JSON.stringify({ id: String(ids[0]), label: "Math", confidence: 1, tagger: "t" })}\n`);
    await importJobResult(db, job);
    writeFileSync(output, "{not json\n");
    await expect(importJobResult(db, job)).rejects.toThrow(/tags\.jsonl line 1: not JSON/);
    expect(count(studio!, "select count(*) from row_tags")).toBe(1);
  });

  it("reads a file larger than its read chunk with multi-byte text across the chunk edges", async () => {
    const tagger = `tägger-${"é✓".repeat(60)}`;
    const { db, job } = finishedJob("tag", 6000, (ids) => ids.map((id) => ({ id: String(id), label: "Mäth", confidence: 0.5, tagger })));
    await importJobResult(db, job);
    expect(db.$client.prepare("select tagger, row_count from tag_results").get()).toEqual({ tagger, row_count: 6000 });
    expect(count(studio!, "select count(distinct label) from row_tags where label = 'Mäth'")).toBe(1);
    expect(count(studio!, "select count(*) from row_tags")).toBe(6000);
  });
});
