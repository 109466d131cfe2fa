import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deleteDataset, getDataset } from "~/server/datasets/catalog";
import { startDatasetImport } from "~/server/datasets/start-import";
import { defaultLauncher } from "~/server/jobs/command";
import { jobRow } from "~/server/jobs/job-row";
import { signalGroup } from "~/server/jobs/process";
import { studioJobHooks } from "~/server/startup";
import { tempStudio, waitFor, type Studio } from "~/test/support/studio";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** The studio's own composition: the real ingest worker, and the hooks the studio passes (server/startup.ts). */
const ingestStudio = () => tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });

const storedRows = (s: Studio, datasetId: string) =>
  s.db.$client.prepare("SELECT count(*) FROM dataset_rows WHERE dataset_id = ?").pluck().get(datasetId) as number;

describe("an ingest worker killed mid-import", () => {
  it("leaves a failed dataset with no rows within 5 s, which can be deleted with its source copy", async () => {
    studio = ingestStudio();
    const s = studio;
    const from = join(s.dir, "upload.bin");
    const line = (i: number) => JSON.stringify({ instruction: `row ${i} ${"word ".repeat(10)}`, output: "answer ".repeat(10) });
    writeFileSync(from, Array.from({ length: 150_000 }, (_, i) => line(i)).join("\n"));
    const { datasetId, jobId } = await startDatasetImport(s.manager, {
      name: "Killed", originalName: "killed.jsonl", format: "alpaca_jsonl", mapping: {}, from, sourceName: "source.jsonl",
    });
    await waitFor("rows being written", () => storedRows(s, datasetId) > 0, 60_000);
    const job = jobRow(s.db, jobId)!;
    expect(signalGroup(job.pid!, "SIGKILL")).toBe(true);
    const killedAt = Date.now();

    await waitFor("the dataset to be marked failed", () => getDataset(s.db, datasetId).status === "failed", 5_000);
    expect(storedRows(s, datasetId)).toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(jobRow(s.db, jobId)!.status).toBe("failed");

    const source = join(job.runDir, "source.jsonl");
    expect(existsSync(source)).toBe(true);
    deleteDataset(s.db, datasetId);
    expect(() => getDataset(s.db, datasetId)).toThrow(/does not exist/);
    expect(existsSync(source)).toBe(false);
  });
});
