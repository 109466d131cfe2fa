import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { datasetRows, rowLabels, rowTags, tagResults } from "~/db/schema";
import { DEFAULT_ANSWER_TEMPLATE } from "~/lib/contracts/generation";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { ended } from "~/test/support/generation-run";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, type Studio } from "~/test/support/studio";

/**
 * Answer templates per task type, end to end: the row's task type from the dataset's latest tag result (a hand
 * label winning), the type's own template from the store over the default, the real trainer against the embedded
 * server, and each answered row recording the template and version it was asked with.
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

describe("answer job templates per task type", () => {
  it("asks each row with its task type's own answer template, else the default, and records which version", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const path = join(studio.dir, "alpaca_3.json");
    writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, 3)));
    const { datasetId } = await importFile(studio.db, path);
    const rows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, datasetId)).orderBy(asc(datasetRows.idx)).all();
    // Row 0 is tagged Math; row 1 Writing but hand-labelled Code Debug, which wins; row 2 has no type.
    studio.db.insert(tagResults).values({ id: "t", datasetId, jobId: "t", tagger: "test", rowCount: 2, createdAt: new Date() }).run();
    studio.db.insert(rowTags).values([{ resultId: "t", rowId: rows[0]!.id, label: "Math", confidence: 1 }, { resultId: "t", rowId: rows[1]!.id, label: "Writing", confidence: 1 }]).run();
    studio.db.insert(rowLabels).values({ rowId: rows[1]!.id, datasetId, label: "Code Debug", updatedAt: new Date() }).run();
    const caller = createCaller(apiContext(studio));
    await caller.generation.saveTemplate({ kind: "answer", taskType: "Math", text: "Solve step by step: {prompt}" });
    const math = await caller.generation.saveTemplate({ kind: "answer", taskType: "Math", text: "Solve it step by step, briefly: {prompt}" });
    const debug = await caller.generation.saveTemplate({ kind: "answer", taskType: "Code Debug", text: "Find the bug, in one sentence: {prompt}" });

    const { jobId } = await caller.generation.answer({ datasetId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 8 });
    const runDir = studio.manager.runDirOf(jobId);
    const spec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(spec.template).toEqual(DEFAULT_ANSWER_TEMPLATE);
    expect(spec.templates_by_task_type).toEqual({ Math: { ...math, version: 2 }, "Code Debug": debug });
    const sent = readFileSync(join(runDir, "data/rows.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(sent.map((r) => r.task_type)).toEqual(["Math", "Code Debug", undefined]);

    expect(await ended(studio, jobId, 540_000)).toBe("succeeded");
    // Every row is kept or set aside with its provenance; both record the template the row was asked with.
    const made = [...readFileSync(join(runDir, "answers.jsonl"), "utf8").trim().split("\n"), ...readFileSync(join(runDir, "set_aside.jsonl"), "utf8").trim().split("\n")]
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; provenance: { template: unknown } });
    const byId = new Map(made.map((r) => [r.id, r.provenance.template]));
    expect(sent.map((r) => byId.get(r.id))).toEqual([
      { name: math.name, version: 2 },
      { name: debug.name, version: 1 },
      { name: DEFAULT_ANSWER_TEMPLATE.name, version: DEFAULT_ANSWER_TEMPLATE.version },
    ]);
    const { datasetId: answeredId } = await caller.generation.answeredDataset({ jobId });
    const imported = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, answeredId!)).all();
    for (const row of imported) {
      const parent = rows.findIndex((r) => r.prompt === row.prompt);
      expect(JSON.parse(row.provenance!).template).toEqual(byId.get(sent[parent].id));
    }
  }, 600_000);
});
