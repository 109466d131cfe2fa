import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { datasetRows, datasets, rowLabels, rowTags, tagResults } from "~/db/schema";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { DEFAULT_REWRITE_TEMPLATE, REWRITE_TEMPLATES_BY_TYPE } from "~/lib/generation/rewrite-templates";
import { createCaller } from "~/server/api/root";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * The studio side of a rewrite job, end to end: the row's task types from the dataset's latest tag result (a hand
 * label winning), the templates from the store, the real trainer against the embedded llama.cpp server, and the
 * rewrites imported as a new dataset whose rows keep the answers they rewrote.
 */

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

describe("rewrite job", () => {
  it("rewrites each answer with its task type's current template into a new dataset of origin rewritten, originals kept", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    studio.embedded = new EmbeddedServer({ repoRoot: studio.manager.repoRoot, idleMs: 2_000 });
    const path = join(studio.dir, "alpaca_4.json");
    writeFileSync(path, JSON.stringify((JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, 4)));
    const { datasetId: parentId } = await importFile(studio.db, path);
    const parentRows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, parentId)).orderBy(asc(datasetRows.idx)).all();
    // An older tag result calls every row Writing; the latest one tags row 0 Math and 1 Code Generation, and row 2
    // Writing under a hand label Code Debug, which wins; row 3 is untagged in the latest result: the default template.
    const tag = (id: string, createdAt: Date, labels: [number, string][]) => {
      studio!.db.insert(tagResults).values({ id, datasetId: parentId, jobId: id, tagger: "test", rowCount: labels.length, createdAt }).run();
      for (const [idx, label] of labels) studio!.db.insert(rowTags).values({ resultId: id, rowId: parentRows[idx]!.id, label, confidence: 1 }).run();
    };
    tag("old", new Date(Date.now() - 60_000), parentRows.map((_, i) => [i, "Writing"]));
    tag("latest", new Date(), [[0, "Math"], [1, "Code Generation"], [2, "Writing"]]);
    studio.db.insert(rowLabels).values({ rowId: parentRows[2]!.id, datasetId: parentId, label: "Code Debug", updatedAt: new Date() }).run();
    const caller = createCaller(apiContext(studio));
    // Short answers asked for, so that some finish within max_tokens.
    const short = "In one short sentence, say what the answer below says.\nQuestion: {instruction}\nAnswer: {answer}";
    const math = await caller.generation.saveTemplate({ kind: "rewrite", taskType: "Math", text: short });
    expect(math).toEqual({ name: REWRITE_TEMPLATES_BY_TYPE.Math!.name, version: 2, text: short });
    const fallback = await caller.generation.saveTemplate({ kind: "rewrite", taskType: null, text: short });

    const { jobId } = await caller.generation.rewrite({ datasetId: parentId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 32 });
    const runDir = studio.manager.runDirOf(jobId);
    const spec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(spec.templates.default).toEqual({ ...fallback, name: DEFAULT_REWRITE_TEMPLATE.name, version: 2 });
    expect(spec.templates.by_task_type.Math).toEqual(math);
    expect(Object.keys(spec.templates.by_task_type).sort()).toEqual(["Code Debug", "Code Generation", "Math", "Reasoning"]);
    const sent = readFileSync(join(runDir, "data/rows.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(sent.map((r) => r.task_type)).toEqual(["Math", "Code Generation", "Code Debug", undefined]);

    const job = await waitFor("the rewrite job to end", () => {
      const row = studio!.db.$client.prepare("select status, error from jobs where id = ?").get(jobId) as { status: string; error: string | null };
      return ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
    }, 540_000);
    expect(job).toEqual({ status: "succeeded", error: null });

    const { datasetId } = await caller.generation.answeredDataset({ jobId });
    const child = studio.db.select().from(datasets).where(eq(datasets.id, datasetId!)).get()!;
    expect(child).toMatchObject({ parentId, status: "ready", jobId, format: "teacher_rewrites" });
    const rows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, datasetId!)).all();
    expect(rows.length + child.rejectedCount).toBe(4);
    expect(rows.length).toBeGreaterThan(0);
    const parentByPrompt = new Map(parentRows.map((r, i) => [r.prompt, { row: r, type: sent[i].task_type as string | undefined }]));
    for (const row of rows) {
      const parent = parentByPrompt.get(row.prompt)!;
      expect(row.origin).toBe("rewritten");
      const provenance = JSON.parse(row.provenance!);
      const expected = parent.type ? spec.templates.by_task_type[parent.type] : fallback;
      expect(provenance.template).toEqual({ name: expected.name, version: expected.version });
      expect(provenance.task_type ?? undefined).toBe(parent.type);
      expect(provenance.original_answers).toEqual([parent.row.response]);
      expect(row.response).not.toBe(parent.row.response);
    }
    const first = await caller.datasets.row({ id: datasetId!, idx: 0 });
    expect(first).toMatchObject({ origin: "rewritten", provenance: { original_answers: [expect.any(String)] } });
    // The dataset page's origin filter: every row of the new dataset is rewritten, none of its parent's.
    expect(await caller.datasets.origins({ id: datasetId! })).toMatchObject({ counts: { rewritten: rows.length, original: 0 } });
    expect((await caller.datasets.rows({ id: parentId, offset: 0, limit: 10, origin: "rewritten" })).total).toBe(0);
    const filtered = await caller.datasets.rows({ id: datasetId!, offset: 0, limit: 10, origin: "rewritten" });
    expect(filtered.rows.map((r) => r.origin)).toEqual(rows.map(() => "rewritten"));
  }, 600_000);

  it("refuses a dataset without answers with a sentence", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const path = join(studio.dir, "prompts.jsonl");
    writeFileSync(path, `${JSON.stringify({ messages: [{ role: "user", content: "Hi" }] })}\n`);
    const { datasetId } = await importFile(studio.db, path);
    const caller = createCaller(apiContext(studio));
    await expect(caller.generation.rewrite({ datasetId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 16 })).rejects.toThrow(
      "has no rows with an answer (an assistant turn), only prompts: a rewrite needs answers to rewrite (answer the prompts with a teacher first)",
    );
  });
});
