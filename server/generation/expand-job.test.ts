import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { datasetRows, datasets, tagResults } from "~/db/schema";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { DEFAULT_EXPAND_TEMPLATE } from "~/lib/generation/expand-template";
import { createCaller } from "~/server/api/root";
import { rowColumns } from "~/server/curriculum/results";
import { startAnalysisJob } from "~/server/curriculum/analysis-jobs";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * The studio side of an expand job (TAPIR §4), end to end with real parts: an Alpaca dataset typed by a real tag
 * job, a saved curriculum whose resampling wants more Math rows than there are, the tRPC mutation that writes the
 * run folder, the real trainer against the embedded llama.cpp teacher, and the import of its result as a new
 * dataset the curriculum can be planned on again. max_tokens is small: the machine is shared.
 */

let studio: Studio | null = null;
const servers: EmbeddedServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
  studio?.cleanup();
  studio = null;
});

function alpacaFile(dir: string, count: number): string {
  const records = (JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, count);
  const path = join(dir, `alpaca_${count}.json`);
  writeFileSync(path, JSON.stringify(records));
  return path;
}

async function ended(s: Studio, jobId: string, what: string) {
  return waitFor(what, () => {
    const job = s.manager.db.$client.prepare("select status, error from jobs where id = ?").get(jobId) as { status: string; error: string | null };
    return ["succeeded", "failed", "cancelled"].includes(job.status) ? job : null;
  }, 1_200_000);
}

describe("expand job", () => {
  it("expands a curriculum's short task type into a new dataset: the parent's rows, then new tagged rows, ready to plan again", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const embedded = new EmbeddedServer({ repoRoot: studio.manager.repoRoot, idleMs: 2_000 });
    servers.push(embedded);
    studio.embedded = embedded;
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 120));
    const caller = createCaller(apiContext(studio));
    const tagging = await startAnalysisJob(studio.manager, { kind: "tag", datasetId: parentId });
    expect(await ended(studio, tagging.jobId, "the tag job to end")).toMatchObject({ status: "succeeded" });
    const tagResultId = studio.db.select({ id: tagResults.id }).from(tagResults).where(eq(tagResults.datasetId, parentId)).get()!.id;
    const math = rowColumns(studio.db, parentId, tagResultId, null).types.filter((t) => t === "Math").length;
    expect(math).toBeGreaterThanOrEqual(3);

    // Every row of the run is Math: two more than the dataset has.
    const resample = { tag_result_id: tagResultId, ratios: { Math: 1 }, n: math + 2 };
    const saved = await caller.curriculum.save({ name: "more math", spec: { dataset_id: parentId, resample, schedule: { mode: "plain" }, eval_size: 0 } });
    const targets = await caller.generation.expandTargets({ curriculumId: saved.id });
    expect(targets.types).toEqual([{ type: "Math", available: math, target: math + 2, asked: 2 }]);

    // The job takes the expand templates current in the store (the Templates page): the default, and Math's own.
    const template = await caller.generation.saveTemplate({ kind: "expand", taskType: null, text: `${DEFAULT_EXPAND_TEMPLATE.text}\nWrite every instruction in English.` });
    expect(template).toMatchObject({ name: DEFAULT_EXPAND_TEMPLATE.name, version: 2 });
    await caller.generation.saveTemplate({ kind: "expand", taskType: "Math", text: `${DEFAULT_EXPAND_TEMPLATE.text}\nEach must be a problem to solve.` });
    const mathTemplate = await caller.generation.saveTemplate({ kind: "expand", taskType: "Math", text: `${DEFAULT_EXPAND_TEMPLATE.text}\nEach must be a problem with numbers to solve.` });
    expect(mathTemplate).toMatchObject({ name: `${DEFAULT_EXPAND_TEMPLATE.name}-math`, version: 2 });
    const { jobId } = await caller.generation.expand({ curriculumId: saved.id, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0.8, maxTokens: 64, maxRequestsPerType: 6 });
    const runDir = studio.manager.runDirOf(jobId);
    const spec = JSON.parse(readFileSync(join(runDir, "job.json"), "utf8"));
    expect(spec).toMatchObject({ kind: "expand", targets: { Math: 2 }, template, templates_by_task_type: { Math: mathTemplate }, tagger: { source: "embedded" }, near_duplicate_threshold: 0.9 });
    expect(spec.cache).toBe(join(studio.dir, "response-cache.sqlite"));
    const lines = readFileSync(join(runDir, "data/rows.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(120);
    expect(lines.filter((l) => l.type === "Math")).toHaveLength(math);

    const job = await ended(studio, jobId, "the expand job to end");
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    await waitFor("the embedded server to stop once idle", () => embedded.status().state === "stopped", 15_000);

    const { datasetId } = await caller.generation.answeredDataset({ jobId });
    const child = studio.db.select().from(datasets).where(eq(datasets.id, datasetId!)).get()!;
    expect(child).toMatchObject({ parentId, status: "ready", jobId, format: "expanded" });
    const summary = (await caller.generation.expansion({ datasetId: datasetId! }))!;
    const kept = summary.types.Math!.kept;
    expect(summary.counts).toMatchObject({ kept, answered: kept - (summary.counts.set_aside ?? 0) });
    for (const name of ["generated", "exact_duplicates", "near_duplicates", "tag_mismatches"] as const) expect(summary.counts[name]).toEqual(expect.any(Number));

    // The parent's rows first, as they were; then the new ones, each with its origin, tag and provenance.
    const rows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, datasetId!)).orderBy(asc(datasetRows.idx)).all();
    const parentRows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, parentId)).orderBy(asc(datasetRows.idx)).all();
    const added = rows.slice(parentRows.length);
    expect(child.rowCount).toBe(rows.length);
    expect(added).toHaveLength(summary.counts.answered!);
    expect(child.rejectedCount).toBe(summary.counts.set_aside ?? 0);
    expect(rows.slice(0, parentRows.length).map((r) => [r.prompt, r.response, r.origin])).toEqual(parentRows.map((r) => [r.prompt, r.response, "original"]));
    const mathRowIds = new Set(lines.filter((l) => l.type === "Math").map((l) => l.id));
    for (const row of added) {
      expect(row.origin).toBe("expanded");
      expect(parentRows.some((p) => p.prompt === row.prompt)).toBe(false);
      const provenance = JSON.parse(row.provenance!);
      expect(provenance).toMatchObject({ template: { name: mathTemplate.name, version: 2 }, answer_template: { name: "answer-as-is" } });
      expect(provenance.expansion.examples.every((id: string) => mathRowIds.has(id))).toBe(true);
    }
    // Its own tag pass types the parent's rows as the curriculum did and the new rows as the job tagged them.
    const pass = summary.tagResultId!;
    const parentTypes = rowColumns(studio.db, parentId, tagResultId, null).types;
    const childTypes = rowColumns(studio.db, datasetId!, pass, null).types;
    expect(childTypes.slice(0, parentTypes.length)).toEqual(parentTypes);
    expect(childTypes.slice(parentTypes.length)).toEqual(added.map(() => "Math"));

    // Planned again on the new dataset, the curriculum finds the new Math rows.
    const again = await caller.curriculum.save({ name: "more math, expanded", spec: { dataset_id: datasetId!, resample: { ...resample, tag_result_id: pass }, schedule: { mode: "plain" }, eval_size: 0 } });
    const left = (await caller.generation.expandTargets({ curriculumId: again.id })).types;
    expect(left.find((t) => t.type === "Math")?.asked ?? 0).toBe(2 - added.length);
  }, 1_500_000); // a tag job and an expand job with a real teacher on a shared 2-core machine

  it("refuses, in a sentence, a curriculum that asks for no more rows than exist", async () => {
    studio = tempStudio();
    const { datasetId } = await importFile(studio.db, alpacaFile(studio.dir, 10));
    const sqlite = studio.db.$client;
    sqlite.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('t', ?, 'j', 'x', 10)").run(datasetId);
    for (const id of sqlite.prepare("select id from dataset_rows where dataset_id = ?").pluck().all(datasetId) as number[])
      sqlite.prepare("insert into row_tags values ('t', ?, 'Writing', 0.9)").run(id);
    const caller = createCaller(apiContext(studio));
    const saved = await caller.curriculum.save({ name: "enough", spec: { dataset_id: datasetId, resample: { tag_result_id: "t", ratios: { Writing: 1 }, n: 5 }, schedule: { mode: "plain" }, eval_size: 0 } });
    expect((await caller.generation.expandTargets({ curriculumId: saved.id })).types).toEqual([]);
    await expect(caller.generation.expand({ curriculumId: saved.id, endpointId: EMBEDDED_ENDPOINT_ID })).rejects.toThrow(
      "this curriculum's resampling asks for no more rows of any task type than the dataset has",
    );
  });
});
