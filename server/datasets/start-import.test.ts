import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jobRow } from "~/server/jobs/job-row";
import { tempStudio, type Studio } from "~/test/support/studio";
import { getDataset, listDatasets } from "./catalog";
import { startDatasetImport } from "./start-import";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

describe("starting a dataset import", () => {
  const fields = { name: "Questions", originalName: "q.jsonl", format: "alpaca_jsonl" as const, mapping: { instruction: "q" } };

  it("creates an importing dataset linked to a queued ingest job whose run folder holds the source and extra files", async () => {
    // No light slot: the job stays queued, so the test sees what was created, not what the worker made of it.
    studio = tempStudio({ limits: { cpu: 1, light: 0 } });
    const from = join(studio.dir, "upload.bin");
    writeFileSync(from, '{"q": "Why?"}\n');
    const { datasetId, jobId } = await startDatasetImport(studio.manager, { ...fields, from, sourceName: "source.jsonl", files: { "extra.json": "[1]" } });
    expect(getDataset(studio.db, datasetId)).toMatchObject({ name: "Questions", status: "importing", originalName: "q.jsonl", format: "alpaca_jsonl", jobId });
    const job = jobRow(studio.db, jobId)!;
    expect(job).toMatchObject({ kind: "ingest", status: "queued", name: "Import Questions", datasetId });
    expect(JSON.parse(job.spec)).toMatchObject({ dataset_id: datasetId, source: "source.jsonl", original_name: "q.jsonl", format: "alpaca_jsonl", mapping: { instruction: "q" } });
    expect(readFileSync(join(job.runDir, "source.jsonl"), "utf8")).toBe('{"q": "Why?"}\n');
    expect(readFileSync(join(job.runDir, "extra.json"), "utf8")).toBe("[1]");
  });

  it("removes the dataset again when its job cannot be created", async () => {
    studio = tempStudio({ limits: { cpu: 1, light: 0 } });
    const from = join(studio.dir, "upload.bin");
    writeFileSync(from, "{}\n");
    await expect(startDatasetImport(studio.manager, { ...fields, from, sourceName: "../outside.jsonl" })).rejects.toThrow(/inside the run folder/);
    expect(listDatasets(studio.db)).toEqual([]);
    expect(existsSync(join(studio.dir, "outside.jsonl"))).toBe(false);
  });
});
