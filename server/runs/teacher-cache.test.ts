import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs } from "~/db/schema";
import { defaultLaunchForm, type LaunchForm } from "~/lib/runs/form";
import { createCaller } from "~/server/api/root";
import { defaultLauncher } from "~/server/jobs/command";
import { jobRow } from "~/server/jobs/job-row";
import { studioJobHooks } from "~/server/startup";
import { modelIdentity } from "./model-identity";
import { seedDataset } from "~/test/support/seed-dataset";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * Teacher-logit caches from the studio, with the real trainer and the embedded SmolLM2-135M teacher: a cache built
 * over a dataset's rows by a teacher_cache job, listed with its key and size, offered to the launch form only where
 * the trainer would accept it, a mismatch refused before a job exists with the part of the key that differs, and
 * a run launched with it distilling from it. The run itself (a pruned student trained from the cache, ~40 s on two
 * busy cores) runs with DISTILL_CACHE_RUN=1.
 */

let studio: Studio;
let caller: ReturnType<typeof createCaller>;
const DATASET = "cached";
// Quotes, a backslash, control characters, accents and an emoji: the studio's row hash must be the trainer's.
const ODD = 'Ça coûte 5 € — "vraiment" ?\n\tOui \\ 漢字 😀 \u0001 fin';

const ended = (id: string) => {
  const row = jobRow(studio.db, id)!;
  return ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
};
const form = (fields: Partial<LaunchForm> = {}): LaunchForm => ({
  ...defaultLaunchForm(DATASET),
  maxLength: 64,
  evalSize: 2,
  student: { source: "pruned", num_layers: 2 },
  batchSize: 2,
  evalEvery: 0,
  evalPrompts: 0,
  checkpointEvery: 0,
  device: "cpu",
  ...fields,
});
const use = (f: LaunchForm) => ({ datasetId: f.datasetId, teacher: f.teacher, maxLength: f.maxLength, evalSize: f.evalSize, trainSamples: f.trainSamples, seed: f.seed });
const trainJobs = () => studio.db.select({ id: jobs.id }).from(jobs).all().filter((j) => j.id !== cacheId);
let cacheId = "";

beforeAll(async () => {
  studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
  caller = createCaller(apiContext(studio));
  seedDataset(studio.db, DATASET, 6);
  studio.db.$client.prepare("update dataset_rows set response = ? where dataset_id = ? and idx = 1").run(ODD, DATASET);
  ({ id: cacheId } = await caller.teacherCaches.build({ datasetId: DATASET, teacher: { source: "embedded" }, maxLength: 64, topK: 16, device: "cpu" }));
  const job = await waitFor("the teacher_cache job to end", () => ended(cacheId), 240_000);
  expect(job.status, job.error ?? "").toBe("succeeded");
}, 300_000);
afterAll(() => studio.cleanup());

describe("teacher-logit caches in the studio", () => {
  it("builds a cache over the dataset's answered rows in its job's run folder and lists it with its key, tokens and bytes", async () => {
    const spec = JSON.parse(readFileSync(join(studio.manager.runDirOf(cacheId), "job.json"), "utf8"));
    expect(spec).toMatchObject({ kind: "teacher_cache", teacher: { source: "embedded" }, max_length: 64, max_prompt_length: 32, top_k: 16, output: "teacher-cache" });
    const [listed, ...others] = await caller.teacherCaches.list();
    expect(others).toEqual([]);
    expect(listed).toMatchObject({ id: cacheId, datasetId: DATASET, datasetName: "demo", status: "succeeded", topK: 16, rows: 6, maxLength: 64, maxPromptLength: 32 });
    expect(listed!.key).toMatchObject({ max_length: 64, max_prompt_length: 32 });
    expect(listed!.key!.teacher).toMatch(/^[0-9a-f]{16}$/);
    expect(listed!.tokens).toBeGreaterThan(6);
    // 6k + 8 bytes a token (k = 16) plus the .npy headers and the manifest.
    expect(listed!.bytes).toBeGreaterThan(listed!.tokens! * (6 * 16 + 8));
    expect(existsSync(join(listed!.path, "manifest.json"))).toBe(true);
  });

  it("offers the cache only to a run with its teacher, lengths and rows, saying for any other which part differs", async () => {
    expect((await caller.teacherCaches.forLaunch(use(form()))).map((c) => [c.id, c.problem])).toEqual([[cacheId, null]]);
    const [longer] = await caller.teacherCaches.forLaunch(use(form({ maxLength: 128 })));
    expect(longer!.problem).toMatch(/built with max length 64 and this run has 128/);
    const [other] = await caller.teacherCaches.forLaunch(use(form({ teacher: { source: "dir", path: studio.dir } })));
    expect(other!.problem).toMatch(/^teacher: /); // the folder is refused before any cache is compared
    studio.db.$client.prepare("update dataset_rows set response = 'edited' where dataset_id = ? and idx = 0").run(DATASET);
    try {
      const [edited] = await caller.teacherCaches.forLaunch(use(form()));
      // Row 0 is in the training split of seed 10 or not: either it changed, or the cache still serves the run.
      const split = await caller.teacherCaches.forLaunch(use(form({ evalSize: 0 })));
      expect(split[0]!.problem).toMatch(/1 of the rows this run distils changed since it was built/);
      expect([null, split[0]!.problem]).toContain(edited!.problem);
    } finally {
      studio.db.$client.prepare("update dataset_rows set response = 'a0' where dataset_id = ? and idx = 0").run(DATASET);
    }
  });

  it("matches a teacher folder by content, as the trainer does: a copy of the cache's teacher serves, another model does not", async () => {
    // The trainer's key names the embedded teacher by the folder it dequantized its GGUF into (distill.models).
    const dequantized = join(process.env.DISTILL_CACHE || join(homedir(), ".cache", "distill"), "gguf");
    const [listed] = await caller.teacherCaches.list();
    const same = readdirSync(dequantized).map((d) => join(dequantized, d)).find((d) => modelIdentity(d) === listed!.key!.teacher);
    expect(same, "the studio's model identity is the trainer's").toBeDefined();
    const other = join(studio.dir, "models", "other");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "config.json"), "{}");
    writeFileSync(join(other, "model.safetensors"), "not the teacher");
    const saved = process.env.DISTILL_MODEL_ROOTS;
    process.env.DISTILL_MODEL_ROOTS = `${dequantized}:${join(studio.dir, "models")}`;
    try {
      const [copy] = await caller.teacherCaches.forLaunch(use(form({ teacher: { source: "dir", path: same! } })));
      expect(copy!.problem).toBeNull();
      const [another] = await caller.teacherCaches.forLaunch(use(form({ teacher: { source: "dir", path: other } })));
      expect(another!.problem).toMatch(/holds the outputs of the teacher the embedded SmolLM2-135M-Instruct, and this run's teacher is the folder .*other/);
    } finally {
      if (saved === undefined) delete process.env.DISTILL_MODEL_ROOTS;
      else process.env.DISTILL_MODEL_ROOTS = saved;
    }
  });

  it("refuses a launch whose run the trainer would refuse the cache to, before any job exists", async () => {
    await expect(caller.runs.launch(form({ maxLength: 128, teacherCache: cacheId }))).rejects.toThrow(
      /teacher-logit cache .* cannot serve this run: it was built with max length 64 and this run has 128/,
    );
    await expect(caller.runs.launch(form({ teacherCache: cacheId, attention: { ...form().attention, enabled: true } }))).rejects.toThrow(
      /the attention loss needs its attention maps/,
    );
    await expect(caller.runs.launch(form({ teacherCache: "teacher_cache-missing" }))).rejects.toThrow(/does not exist/);
    expect(trainJobs()).toEqual([]);
  });

  it.skipIf(!process.env.DISTILL_CACHE_RUN)("launches a run that distils from the cache, without the teacher, and succeeds", async () => {
    const { id } = await caller.runs.launch(form({ teacherCache: cacheId }));
    const spec = JSON.parse(readFileSync(join(studio.manager.runDirOf(id), "job.json"), "utf8"));
    expect(spec.teacher_cache).toBe(`../${cacheId}/teacher-cache`);
    await expect(caller.teacherCaches.delete({ id: cacheId })).rejects.toThrow(/is read by run .*queued or running/);
    const run = await waitFor("the run to end", () => ended(id), 300_000);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(readFileSync(join(run.runDir, "events.jsonl"), "utf8")).toMatch(/the teacher does not run: its top-16 log-probabilities come from teacher_cache/);
    await caller.teacherCaches.delete({ id: cacheId });
    expect(await caller.teacherCaches.list()).toEqual([]);
    expect(existsSync(join(studio.manager.runDirOf(cacheId), "teacher-cache"))).toBe(false);
  }, 400_000);
});
