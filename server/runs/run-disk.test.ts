import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runsRouter } from "~/server/api/routers/runs";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { defaultLauncher } from "~/server/jobs/command";
import { jobRow } from "~/server/jobs/job-row";
import { JobStates } from "~/server/jobs/job-state";
import { alpacaTrainFiles, apiContext, tempStudio, trainFields, waitFor, type Studio } from "~/test/support/studio";

/**
 * A run's disk use and the deletion of its checkpoints, through the runs router, on the run folder of a real
 * trainer run: 3 steps of a 2-layer pruned student with a checkpoint after each, the newest 2 kept.
 */

const caller = createCallerFactory(createTRPCRouter({ runs: runsRouter }));
let studio: Studio;
let runs: ReturnType<typeof caller>["runs"];
let id: string;
let runDir: string;
let refusedWhileActive: unknown;

beforeAll(async () => {
  studio = tempStudio({ launcher: defaultLauncher(process.cwd()) });
  runs = caller(apiContext(studio)).runs;
  const job = await studio.manager.createJob({
    kind: "train",
    name: "disk use",
    spec: { ...trainFields, eval_data: null, optim: { batch_size: 2 }, max_length: 48, max_prompt_length: 24, checkpoint_every: 1, eval: { every: 0, num_prompts: 0 } },
    files: alpacaTrainFiles(6),
  });
  id = job.id;
  runDir = jobRow(studio.db, id)!.runDir;
  refusedWhileActive = await runs.deleteCheckpoints({ id }).catch((e: unknown) => e);
  const done = await waitFor("the run to finish", () => {
    const row = jobRow(studio.db, id)!;
    return ["succeeded", "failed", "cancelled"].includes(row.status) ? row : null;
  }, 600_000);
  expect(done.status, done.error ?? "").toBe("succeeded");
}, 660_000);
afterAll(() => studio?.cleanup());

const weights = (folder: string) => join(runDir, folder, "model.safetensors");
const sizesUnder = (dir: string): number[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => statSync(join(e.parentPath, e.name)).size);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("runs.disk and runs.deleteCheckpoints on a real run folder", () => {
  it("refuses to delete checkpoints while the run is queued or running, saying so", () => {
    expect(refusedWhileActive).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/is (queued|running); its checkpoints can be deleted once it has stopped/) });
  });

  it("counts the final student once, though the last checkpoint shares its weights", async () => {
    expect(readdirSync(join(runDir, "checkpoints")).sort()).toEqual(["step-000002", "step-000003"]);
    expect(statSync(weights("checkpoints/step-000003")).ino).toBe(statSync(weights("model")).ino);
    const shared = statSync(weights("model")).size;
    const disk = await runs.disk({ id });
    expect(disk.totalBytes).toBe(sum(sizesUnder(runDir)) - shared);
    // What deleting frees: the checkpoints' files but the weights the final model still holds.
    expect(disk.checkpointBytes).toBe(sum(sizesUnder(join(runDir, "checkpoints"))) - shared);
    expect(disk.checkpoints).toBe(2);
  });

  it("keeps the newest checkpoint of a run that could be resumed, and deletes all of a succeeded one's", async () => {
    // A run cancelled with these checkpoints in its folder: a second job of the same folder, taken to cancelled
    // through the transitions the job manager makes (succeeded is final, so the real run cannot be).
    const states = new JobStates(studio.db, studio.manager.bus);
    const { kind, name, spec } = jobRow(studio.db, id)!;
    states.create({ id: `${id}-cancelled`, kind, name, runDir, datasetId: null, spec });
    expect(states.claim(`${id}-cancelled`, "cpu", Date.now()) && states.finish(`${id}-cancelled`, "cancelled", null)).toBe(true);
    await runs.deleteCheckpoints({ id: `${id}-cancelled` });
    expect(readdirSync(join(runDir, "checkpoints"))).toEqual(["step-000003"]);

    const before = await runs.disk({ id });
    const { freedBytes, kept } = await runs.deleteCheckpoints({ id });
    expect(kept).toBeNull();
    expect(freedBytes).toBe(before.checkpointBytes);
    expect(readdirSync(join(runDir, "checkpoints"))).toEqual([]);
    expect(existsSync(weights("model"))).toBe(true);
    expect(await runs.disk({ id })).toMatchObject({ checkpointBytes: 0, checkpoints: 0, totalBytes: before.totalBytes - freedBytes });
  });
});
