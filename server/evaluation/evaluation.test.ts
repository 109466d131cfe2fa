import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EvalAnswer, EvalResult } from "~/lib/contracts/evaluation";
import { EMBEDDED_MODEL } from "~/lib/contracts/endpoints";
import type { EvalJob } from "~/lib/contracts/job";
import { createCaller } from "~/server/api/root";
import { defaultLauncher } from "~/server/jobs/command";
import { jobRow } from "~/server/jobs/job-row";
import { studioJobHooks } from "~/server/startup";
import { alpacaTrainFiles, apiContext, emitterJob, tempStudio, trainFields, waitFor, type Studio } from "~/test/support/studio";
import { importEvaluation } from "./import-eval";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** A studio whose jobs stay queued: the eval job's run folder and evaluation row are there, its process never starts. */
function queuedStudio(): Studio {
  studio = tempStudio({ limits: { cpu: 0, light: 0 }, hooks: studioJobHooks });
  return studio;
}

const answer = (fields: Partial<EvalAnswer> & Pick<EvalAnswer, "suite" | "item_id" | "answer">): EvalAnswer => ({
  category: null,
  turn: 1,
  seed: null,
  prompt: "p",
  reference: null,
  score: null,
  judge_explanation: null,
  passed: null,
  details: null,
  ...fields,
});

/** What an eval job over 2 MT-Bench questions (one judgment unparsed) and 2 SelfInst prompts × 2 seeds writes. */
function writeEvalOutputs(runDir: string, answers: EvalAnswer[]) {
  const result: EvalResult = {
    suites: {
      mt_bench: {
        metrics: { score: { mean: 6.5, std: 2.12, n: 2 }, turn_1: { mean: 5, std: null, n: 1 }, turn_2: { mean: 8, std: null, n: 1 } },
        by_category: { writing: { mean: 8, n: 1 }, math: { mean: 5, n: 1 } },
        unparsed: 1,
        items: 2,
      },
      selfinst: { metrics: { rouge_l: { mean: 0.21, std: 0.03, n: 2 } }, items: 2 },
    },
  };
  writeFileSync(join(runDir, "eval.json"), JSON.stringify(result));
  writeFileSync(join(runDir, "eval_answers.jsonl"), answers.map((a) => JSON.stringify(a)).join("\n") + "\n");
}

const mtBenchAnswers = [
  answer({ suite: "mt_bench", item_id: "81", category: "writing", turn: 1, answer: "A blog post", score: 8, judge_explanation: "Vivid. Rating: [[8]]" }),
  answer({ suite: "mt_bench", item_id: "81", category: "writing", turn: 2, answer: "Rewritten", score: null, judge_explanation: "no rating", details: { unparsed: true } }),
  answer({ suite: "mt_bench", item_id: "111", category: "math", turn: 1, answer: "The area is 3", reference: "3", score: 5, judge_explanation: "Right, terse. [[5]]" }),
];
const selfinstAnswers = [0, 1].flatMap((seed) => [
  answer({ suite: "selfinst", item_id: "user_oriented_task_0", seed, answer: `first ${seed}`, reference: "ref 0", score: 0.2 + seed / 100 }),
  answer({ suite: "selfinst", item_id: "user_oriented_task_1", seed, answer: `second ${seed}`, reference: "ref 1", score: 0.1 }),
]);

describe("evaluation import", () => {
  it("stores each suite's figures and every graded answer under the evaluation, linked to its run and model", async () => {
    const s = queuedStudio();
    const caller = createCaller(apiContext(s));
    const run = await s.manager.createJob(emitterJob({ steps: 1, rate: 1 }, "a run"));
    const { jobId } = await caller.evaluation.start({ target: { kind: "run_teacher", runId: run.id }, suites: [{ name: "selfinst", limit: 2 }], seeds: 2 });

    const spec = JSON.parse(readFileSync(join(s.manager.runDirOf(jobId), "job.json"), "utf8")) as EvalJob;
    expect(spec.model).toEqual({ type: "local", ref: { source: "embedded" } });
    expect(spec.suites).toEqual([{ name: "selfinst", limit: 2, seeds: 2, greedy: false, temperature: 1 }]);
    expect(spec.judge).toBeNull();

    writeEvalOutputs(s.manager.runDirOf(jobId), [...mtBenchAnswers, ...selfinstAnswers]);
    await importEvaluation(s.db, { id: jobId, runDir: s.manager.runDirOf(jobId) });

    const evaluation = await caller.evaluation.get({ id: jobId });
    expect(evaluation).toMatchObject({ runId: run.id, role: "teacher", modelKey: "embedded", status: "queued" });
    expect(evaluation.suites.mt_bench).toEqual({
      items: 2,
      unparsed: 1,
      metrics: { score: { mean: 6.5, std: 2.12, n: 2 }, turn_1: { mean: 5, std: null, n: 1 }, turn_2: { mean: 8, std: null, n: 1 } },
      by_category: { writing: { mean: 8, n: 1 }, math: { mean: 5, n: 1 } },
    });
    expect(evaluation.suites.selfinst?.metrics.rouge_l).toEqual({ mean: 0.21, std: 0.03, n: 2 });

    const math = await caller.evaluation.answers({ evaluationId: jobId, suite: "mt_bench", category: "math" });
    expect(math.total).toBe(1);
    expect(math.categories).toEqual(["math", "writing"]);
    expect(math.answers[0]).toMatchObject({ itemId: "111", answer: "The area is 3", reference: "3", score: 5, judgeExplanation: "Right, terse. [[5]]" });
    const high = await caller.evaluation.answers({ evaluationId: jobId, suite: "mt_bench", minScore: 6 });
    expect(high.answers.map((a) => a.answer)).toEqual(["A blog post"]);
    const selfinst = await caller.evaluation.answers({ evaluationId: jobId, suite: "selfinst" });
    expect(selfinst.total).toBe(4);
  });

  it("shows another evaluation's answer to the same item, turn and seed beside each answer", async () => {
    const s = queuedStudio();
    const caller = createCaller(apiContext(s));
    const run = await s.manager.createJob(emitterJob({ steps: 1, rate: 1 }, "a run"));
    const start = () => caller.evaluation.start({ target: { kind: "run_initial", runId: run.id }, suites: [{ name: "selfinst", limit: 2 }], seeds: 2 });
    const [first, second] = [(await start()).jobId, (await start()).jobId];
    writeEvalOutputs(s.manager.runDirOf(first), selfinstAnswers);
    writeEvalOutputs(
      s.manager.runDirOf(second),
      selfinstAnswers.map((a) => ({ ...a, answer: `other ${a.answer}` })),
    );
    for (const id of [first, second]) await importEvaluation(s.db, { id, runDir: s.manager.runDirOf(id) });

    const page = await caller.evaluation.answers({ evaluationId: first, suite: "selfinst", compareWith: second });
    expect(page.answers.map((a) => [a.answer, a.compared?.answer])).toEqual([
      ["first 0", "other first 0"],
      ["second 0", "other second 0"],
      ["first 1", "other first 1"],
      ["second 1", "other second 1"],
    ]);
    // The initial student of a pruned run is the same model for every run pruned the same way from the same teacher.
    expect((await caller.evaluation.get({ id: first })).modelKey).toBe("pruned:embedded:2");
  });

  it("refuses an eval.json that breaks the contract, naming the file, and keeps nothing of it", async () => {
    const s = queuedStudio();
    const caller = createCaller(apiContext(s));
    const run = await s.manager.createJob(emitterJob({ steps: 1, rate: 1 }, "a run"));
    const { jobId } = await caller.evaluation.start({ target: { kind: "run_teacher", runId: run.id }, suites: [{ name: "ifeval", limit: 3 }] });
    const runDir = s.manager.runDirOf(jobId);
    writeEvalOutputs(runDir, selfinstAnswers);
    writeFileSync(join(runDir, "eval_answers.jsonl"), `${JSON.stringify(selfinstAnswers[0])}\n{"suite": "selfinst"}\n`);
    await expect(importEvaluation(s.db, { id: jobId, runDir })).rejects.toThrow("eval_answers.jsonl line 2 does not follow the eval job's contract");
    expect((await caller.evaluation.get({ id: jobId })).suites).toEqual({});
  });

  it("refuses what could not run, in sentences: a judged suite without a judge, a held-out split without a run, an unfinished run's student", async () => {
    const s = queuedStudio();
    const caller = createCaller(apiContext(s));
    const run = await s.manager.createJob(emitterJob({ steps: 1, rate: 1 }, "a run"));
    await expect(caller.evaluation.start({ target: { kind: "run_teacher", runId: run.id }, suites: [{ name: "mt_bench", limit: 5 }] })).rejects.toThrow(
      "MT-Bench is graded by a judge: choose a judge endpoint",
    );
    await expect(caller.evaluation.start({ target: { kind: "endpoint", endpointId: "embedded" }, suites: [{ name: "heldout", limit: null }] })).rejects.toThrow(
      "the held-out split is a run's own: embedded endpoint (SmolLM2-135M-Instruct) belongs to no run; choose another suite",
    );
    await expect(caller.evaluation.start({ target: { kind: "run_student", runId: run.id }, suites: [{ name: "selfinst", limit: 1 }] })).rejects.toThrow(
      `run "a run" has no trained student yet (queued)`,
    );
  });
});

describe("evaluating a run's checkpoint", () => {
  it("names the run's student as it was built and the checkpoint's weights, for each checkpoint the run keeps", async () => {
    const s = queuedStudio();
    const caller = createCaller(apiContext(s));
    const run = await s.manager.createJob(emitterJob({ steps: 1, rate: 1 }, "a run"));
    const runDir = jobRow(s.db, run.id)!.runDir;
    for (const step of [2, 4]) {
      mkdirSync(join(runDir, "checkpoints", `step-00000${step}`), { recursive: true });
      writeFileSync(join(runDir, "checkpoints", `step-00000${step}`, "position.json"), JSON.stringify({ step }));
    }
    // A folder the trainer is still writing (no position.json yet) is no checkpoint.
    mkdirSync(join(runDir, "checkpoints", "step-000006.partial"));
    expect((await caller.evaluation.forRun({ runId: run.id })).checkpoints).toEqual([2, 4]);

    const { jobId } = await caller.evaluation.start({ target: { kind: "run_checkpoint", runId: run.id, step: 4 }, suites: [{ name: "selfinst", limit: 2 }] });
    const spec = JSON.parse(readFileSync(join(s.manager.runDirOf(jobId), "job.json"), "utf8")) as EvalJob;
    expect(spec.model).toEqual({ type: "local", ref: { source: "pruned", num_layers: 2 }, base: { source: "embedded" }, checkpoint: join(runDir, "checkpoints", "step-000004") });
    expect(await caller.evaluation.get({ id: jobId })).toMatchObject({ runId: run.id, role: "checkpoint", modelKey: `run:${run.id}:step:4`, modelLabel: "checkpoint at step 4 of a run" });

    await expect(caller.evaluation.start({ target: { kind: "run_checkpoint", runId: run.id, step: 6 }, suites: [{ name: "selfinst", limit: 2 }] })).rejects.toThrow(
      `run "a run" has no checkpoint at step 6: it keeps the checkpoints at step 2, 4`,
    );
  });
});

describe("evaluate the student when the run ends", () => {
  it("queues an eval job on the student of a real run launched with the option, from the train job's succeeded hook, MT-Bench judged by the embedded endpoint", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), limits: { cpu: 1, light: 1 }, hooks: studioJobHooks });
    const s = studio;
    const suites = [
      { name: "selfinst", limit: 2 },
      { name: "ifeval", limit: 2 },
      { name: "mt_bench", limit: 1 },
    ];
    // A short judgment: the embedded judge's requests must finish within its 120 s on a loaded 2-core CPU.
    const evaluate = { suites, judgeEndpointId: "embedded", judgeMaxTokens: 24, seeds: 1, maxNewTokens: 8, device: "cpu" };
    const run = await s.manager.createJob({
      kind: "train",
      name: "evaluated when done",
      spec: { ...trainFields, max_length: 64, max_prompt_length: 32, optim: { batch_size: 2 }, eval: { every: 0, num_prompts: 0 }, eval_data: null, checkpoint_every: 0 },
      files: { ...alpacaTrainFiles(4), "launch-form.json": JSON.stringify({ evaluate }) },
    });
    await waitFor("the run to succeed", () => ["succeeded", "failed", "cancelled"].includes(jobRow(s.db, run.id)!.status), 300_000);
    expect(jobRow(s.db, run.id)!.error).toBeNull();

    const caller = createCaller(apiContext(s));
    const [evaluation] = (await caller.evaluation.forRun({ runId: run.id })).own;
    expect(evaluation).toMatchObject({ runId: run.id, role: "student", modelKey: `run:${run.id}:student` });
    const spec = JSON.parse(readFileSync(join(s.manager.runDirOf(evaluation!.id), "job.json"), "utf8")) as EvalJob;
    expect(spec.model).toEqual({ type: "local", ref: { source: "dir", path: join(jobRow(s.db, run.id)!.runDir, "model") } });
    expect(spec.suites.map((suite) => [suite.name, suite.limit])).toEqual([
      ["selfinst", 2],
      ["ifeval", 2],
      ["mt_bench", 1],
    ]);
    // The hook connected the embedded judge as the Evaluation tab would: by its identity, held for the job.
    expect(spec.judge).toMatchObject({ model: EMBEDDED_MODEL, identity: expect.stringMatching(/^embedded\//) });
    expect(spec.judge_max_tokens).toBe(24);
    expect(evaluation!.judge).toBe(EMBEDDED_MODEL);
    // The run's slot is free once it is marked succeeded: the eval job starts without anything else asking, and
    // the real eval job's eval.json and answers are imported before it is marked succeeded.
    await waitFor("the eval job to start", () => jobRow(s.db, evaluation!.id)!.status !== "queued", 20_000);
    await waitFor("the eval job to end", () => ["succeeded", "failed", "cancelled"].includes(jobRow(s.db, evaluation!.id)!.status), 600_000);
    expect(jobRow(s.db, evaluation!.id)!.error).toBeNull();
    const evaluated = await caller.evaluation.get({ id: evaluation!.id });
    expect(evaluated.suites.selfinst).toMatchObject({ items: 2, metrics: { rouge_l: { n: 1 } } });
    expect(evaluated.suites.ifeval?.items).toBe(2);
    expect(Object.keys(evaluated.suites.ifeval!.metrics).sort()).toEqual(["instruction_loose", "instruction_strict", "prompt_loose", "prompt_strict"]);
    const ifeval = await caller.evaluation.answers({ evaluationId: evaluation!.id, suite: "ifeval" });
    expect(ifeval.total).toBe(2);
    expect(ifeval.answers.every((a) => a.passed !== null && a.answer.length > 0)).toBe(true);
    // One question, two turns, each judged: rated or counted unparsed.
    const mtBench = evaluated.suites.mt_bench!;
    expect(mtBench.items).toBe(1);
    expect(mtBench.metrics.score!.n + mtBench.unparsed!).toBe(2);
    const judged = await caller.evaluation.answers({ evaluationId: evaluation!.id, suite: "mt_bench" });
    expect(judged.answers.map((a) => a.turn)).toEqual([1, 2]);
    expect(judged.answers.every((a) => a.judgeExplanation)).toBe(true);
  }, 1_000_000);
});
