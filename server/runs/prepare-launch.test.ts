import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { trainJob, trainRow } from "~/lib/contracts/job";
import { trainPlan } from "~/lib/contracts/plan";
import { defaultLaunchForm } from "~/lib/runs/form";
import { LaunchError, prepareLaunch, trainDomainShare } from "./prepare-launch";
import { seedDataset } from "~/test/support/seed-dataset";

const dir = mkdtempSync(join(tmpdir(), "launch-"));
const root = join(dir, "models");
mkdirSync(join(root, "tiny"), { recursive: true });
writeFileSync(join(root, "tiny", "config.json"), "{}");
const db = openDb(join(dir, "studio.db"));
seedDataset(db, "d1", 30);
seedDataset(db, "mixed", 12, [], [0, 3, 4, 9]);
seedDataset(db, "questions", 6, [], [0, 1, 2, 3, 4, 5]);
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const form = (over: Record<string, unknown> = {}) => ({ ...defaultLaunchForm("d1"), evalSize: 5, evalPrompts: 3, ...over });

async function text(chunks: AsyncIterable<string>) {
  let out = "";
  for await (const c of chunks) out += c;
  return out;
}

describe("prepareLaunch", () => {
  it("builds a valid train job, a plain plan over the training rows, and the split files", async () => {
    const p = prepareLaunch(db, form({ trainSamples: 20, student: { source: "dir", path: join(root, "tiny") } }), [root]);
    expect(p.name).toBe("demo · fkl · dir");
    const job = trainJob.parse({ ...p.spec, id: "x", created_at: "now" });
    expect(job.student).toEqual({ source: "dir", path: join(root, "tiny") });
    expect(job.eval_data).toBe("data/eval.jsonl");
    const plan = trainPlan.parse(JSON.parse(p.files["plan.json"]));
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]!.sample_ids).toHaveLength(20);
    const train = (await text(p.files["data/train.jsonl"])).trim().split("\n");
    expect(train.map((l) => JSON.parse(l).id)).toEqual(plan.stages[0]!.sample_ids);
    expect((await text(p.files["data/eval.jsonl"]!)).trim().split("\n")).toHaveLength(5);
    expect(JSON.parse(p.files["launch-form.json"]).trainSamples).toBe(20);
  });

  it("evaluates judged suites when the run ends with a judge that exists, and refuses them without one", () => {
    const judged = (judgeEndpointId: string | null) => form({ evaluate: { suites: [{ name: "mt_bench", limit: 5 }, { name: "vicuna", limit: null }], judgeEndpointId } });
    const p = prepareLaunch(db, judged("embedded"), [root]);
    expect(JSON.parse(p.files["launch-form.json"]).evaluate).toMatchObject({ suites: [{ name: "mt_bench", limit: 5 }, { name: "vicuna", limit: null }], judgeEndpointId: "embedded" });
    expect(() => prepareLaunch(db, judged(null), [root])).toThrow(
      new LaunchError("invalid launch form: evaluate: MT-Bench and Vicuna-bench are graded by a judge: choose a judge endpoint"),
    );
    expect(() => prepareLaunch(db, judged("gone"), [root])).toThrow(
      new LaunchError("evaluate when the run ends: the judge endpoint gone does not exist; choose one of the endpoints page's"),
    );
  });

  it("refuses a teacher path outside the roots, naming the path and the roots", () => {
    expect(() => prepareLaunch(db, form({ teacher: { source: "gguf", path: "/etc/passwd" } }), [root])).toThrow(
      new LaunchError(`teacher: /etc/passwd is outside the allowed model roots; allowed roots: ${root}`),
    );
  });

  it("confines the output folder to the output roots, not the model roots, and hands those roots to the trainer", () => {
    const outputs = join(dir, "outputs");
    const p = prepareLaunch(db, form({ outputDir: join(outputs, "not-yet", "student") }), [root], [outputs]);
    expect(p.spec.output_dir).toBe(join(outputs, "not-yet", "student"));
    expect(p.spec.output_roots).toEqual([outputs]);
    expect(() => prepareLaunch(db, form({ outputDir: join(root, "student-out") }), [root], [outputs])).toThrow(
      new LaunchError(`output folder: ${join(root, "student-out")} is outside the allowed output roots; allowed roots: ${outputs}`),
    );
  });

  it("refuses an output folder escaping the roots with ..", () => {
    expect(() => prepareLaunch(db, form({ outputDir: `${root}/../out` }), [root])).toThrow(/output folder: .*\.\.\/out is outside/);
  });

  it("refuses an eval split as large as the dataset and a form that fails the schema", () => {
    expect(() => prepareLaunch(db, form({ evalSize: 30 }), [root])).toThrow(/eval split \(30 rows\)/);
    expect(() => prepareLaunch(db, form({ batchSize: 0 }), [root])).toThrow(/invalid launch form: batchSize/);
  });

  it("refuses a pruned student deeper than the teacher, the embedded one or a folder whose config.json says how deep", () => {
    mkdirSync(join(root, "four"), { recursive: true });
    writeFileSync(join(root, "four", "config.json"), JSON.stringify({ num_hidden_layers: 4 }));
    expect(() => prepareLaunch(db, form({ student: { source: "pruned", num_layers: 31 } }), [root])).toThrow(
      /invalid launch form: .*the student keeps at most the teacher's 30 layers/,
    );
    const fromFolder = form({ teacher: { source: "dir", path: join(root, "four") }, student: { source: "pruned", num_layers: 5 } });
    expect(() => prepareLaunch(db, fromFolder, [root])).toThrow(new LaunchError("the student keeps at most the teacher's 4 layers (its config.json says 4); choose 4 or fewer"));
    expect(prepareLaunch(db, { ...fromFolder, student: { source: "pruned", num_layers: 4 } }, [root]).spec.student).toMatchObject({ num_layers: 4 });
  });

  it("trains on answered rows only: prompt-only rows go to neither split", async () => {
    const p = prepareLaunch(db, form({ datasetId: "mixed", evalSize: 2, evalPrompts: 2 }), [root]);
    expect(p.split.trainIds.length + p.split.evalIds.length).toBe(8);
    const lines = [...(await text(p.files["data/train.jsonl"])).trim().split("\n"), ...(await text(p.files["data/eval.jsonl"]!)).trim().split("\n")];
    for (const line of lines) expect((JSON.parse(line) as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("refuses a dataset of prompts alone, saying that training needs answers", () => {
    expect(() => prepareLaunch(db, form({ datasetId: "questions", evalSize: 1, evalPrompts: 1 }), [root])).toThrow(
      new LaunchError('dataset "demo" has no rows with an answer (an assistant turn), only prompts: training and difficulty scoring need gold answers'),
    );
  });

  describe("with a DAE phase (KD + DAE)", () => {
    seedDataset(db, "flagged", 20);
    const flag = (idxs: number[]) => {
      db.$client.prepare("update dataset_rows set is_domain = 0 where dataset_id = 'flagged'").run();
      for (const idx of idxs) db.$client.prepare("update dataset_rows set is_domain = 1 where dataset_id = 'flagged' and idx = ?").run(idx);
    };
    const daeForm = (dae: Record<string, unknown> = {}) =>
      form({ datasetId: "flagged", evalSize: 4, evalPrompts: 2, attention: { enabled: true }, dae: { enabled: true, reference: { source: "dir", path: join(root, "tiny") }, ...dae } });
    const idxOf = (id: string | number) => db.$client.prepare("select idx from dataset_rows where id = ?").pluck().get(Number(id)) as number;

    it("writes every row's flag into the run's data, chains a DAE stage after the KD stage over each training row once, and names both models in job.json", async () => {
      flag([0, 1, 2, 3, 4, 5, 6, 7]);
      const p = prepareLaunch(db, daeForm(), [root]);
      const job = trainJob.parse({ ...p.spec, id: "x", created_at: "now" });
      expect(job.dae).toEqual({ expert: { source: "embedded" }, reference: { source: "dir", path: join(root, "tiny") }, loss: { name: "fkl", beta: 0.1, skew: 0.1, chunk_size: 128 }, lr: null });
      expect(job.attention.enabled).toBe(true);
      const plan = trainPlan.parse(JSON.parse(p.files["plan.json"]));
      expect(plan.stages.map((s) => [s.stage, s.phase, s.temperature, s.kd_weight])).toEqual([[1, "kd", 1, 0.5], [2, "dae", 1, 1]]);
      expect(plan.stages[1]!.sample_ids).toEqual(plan.stages[0]!.sample_ids);
      for (const file of ["data/train.jsonl", "data/eval.jsonl"] as const) {
        const rows = (await text(p.files[file]!)).trim().split("\n").map((l) => trainRow.parse(JSON.parse(l)));
        for (const row of rows) expect(row.is_domain).toBe(idxOf(row.id) < 8);
      }
    });

    it("runs DAE alone from the initial student when asked, and leaves plain runs' data as it was", async () => {
      flag([1, 2, 3, 4]);
      const alone = trainPlan.parse(JSON.parse(prepareLaunch(db, daeForm({ afterKd: false, epochs: 2 }), [root]).files["plan.json"]));
      expect(alone.stages.map((s) => [s.stage, s.phase, s.epochs])).toEqual([[1, "dae", 2]]);
      const plain = prepareLaunch(db, form({ datasetId: "flagged", evalSize: 4, evalPrompts: 2 }), [root]);
      expect(plain.spec.dae).toBeUndefined();
      expect((await text(plain.files["data/train.jsonl"])).includes("is_domain")).toBe(false);
    });

    it("refuses a split whose training rows are none or all flagged, saying what to do, and counts the share the form shows", () => {
      flag([]);
      const split = prepareLaunch(db, form({ datasetId: "flagged", evalSize: 4, evalPrompts: 2 }), [root]).split;
      expect(trainDomainShare(db, "flagged", split.trainIds)).toEqual({ domain: 0, total: 16 });
      expect(() => prepareLaunch(db, daeForm(), [root])).toThrow(
        new LaunchError(
          "the DAE phase cannot run: none of the 16 training rows is flagged as domain, so the domain expert would teach nothing: flag the domain rows on the dataset page (by task type, by hand, or from a column at import), or turn the DAE phase off",
        ),
      );
      flag(Array.from({ length: 20 }, (_, i) => i));
      expect(() => prepareLaunch(db, daeForm(), [root])).toThrow(
        new LaunchError(
          "the DAE phase cannot run: all 16 training rows are flagged as domain, so the reference model would teach nothing: unflag the rows outside the domain on the dataset page, or turn the DAE phase off",
        ),
      );
      // Only the training rows count: flagging just the held-out rows leaves none to learn from the expert.
      flag(split.evalIds.map(idxOf));
      expect(() => prepareLaunch(db, daeForm(), [root])).toThrow(/none of the 16 training rows is flagged as domain/);
    });

    it("confines the expert's and the reference model's paths to the model roots", () => {
      flag([0, 1, 2, 3]);
      expect(() => prepareLaunch(db, daeForm({ expert: { source: "gguf", path: "/etc/passwd" } }), [root])).toThrow(
        new LaunchError(`domain expert: /etc/passwd is outside the allowed model roots; allowed roots: ${root}`),
      );
      expect(() => prepareLaunch(db, daeForm({ reference: { source: "dir", path: "/tmp" } }), [root])).toThrow(/^reference model: \/tmp is outside the allowed model roots/);
    });
  });
});
