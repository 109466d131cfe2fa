import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultLauncher, INGEST_WORKER_BUNDLE } from "./command";
import { cancelGraceMs, detectGpus, parseNvidiaSmi, poolFor, slotLimits } from "./devices";
import { buildSpec } from "./run-folder";
import { trainFields } from "~/test/support/studio";

const train = (device: string) => buildSpec("train", { ...trainFields, device }, "t", "2026-01-01T00:00:00Z");

describe("devices and slots", () => {
  it("reads nvidia-smi's CSV and finds no GPU on a machine without one", () => {
    expect(parseNvidiaSmi("0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA A10G, 23028\n")).toEqual([
      { index: 0, name: "NVIDIA H100 80GB HBM3", memoryMb: 81559 },
      { index: 1, name: "NVIDIA A10G", memoryMb: 23028 },
    ]);
    expect(parseNvidiaSmi("No devices were found\n")).toEqual([]);
    expect(Array.isArray(detectGpus())).toBe(true);
  });

  it("puts ingest, token counting, answer and expand jobs in the light pool and auto jobs on a GPU only when there is one", () => {
    const gpu = [{ index: 0, name: "g", memoryMb: 1 }];
    expect(poolFor("train", train("auto"), [])).toBe("cpu");
    expect(poolFor("train", train("auto"), gpu)).toBe("gpu");
    expect(poolFor("train", train("cpu"), gpu)).toBe("cpu");
    expect(poolFor("train", train("cuda"), [])).toBe("gpu");
    const lengths = buildSpec("lengths", { tokenizer: { source: "embedded" } }, "l", "2026-01-01T00:00:00Z");
    expect(poolFor("lengths", lengths, gpu)).toBe("light");
    // An answer job only waits on its endpoint's HTTP answers: it must hold neither a GPU nor a training CPU slot.
    const answer = buildSpec("answer", {
      endpoint: { base_url: "http://127.0.0.1:8080/v1", model: "m" },
      template: { name: "answer", version: 1, text: "{prompt}" },
    }, "a", "2026-01-01T00:00:00Z");
    expect(poolFor("answer", answer, gpu)).toBe("light");
    // An expand job mostly waits on its endpoint too; its MiniLM embeddings of short prompts are light work.
    const expand = buildSpec("expand", {
      endpoint: { base_url: "http://127.0.0.1:8080/v1", model: "m" },
      template: { name: "expand", version: 1, text: "{task_type} {examples} {count}" },
      answer_template: { name: "answer", version: 1, text: "{prompt}" },
      targets: { Math: 5 },
    }, "e", "2026-01-01T00:00:00Z");
    expect(expand).toMatchObject({ examples_per_request: 3, instructions_per_request: 5, near_duplicate_threshold: 0.9, tagger: { source: "embedded" } });
    expect(poolFor("expand", expand, gpu)).toBe("light");
  });

  it("takes slot limits from the environment, naming a bad value", () => {
    expect(slotLimits({})).toEqual({ cpu: 1, light: 2 });
    expect(slotLimits({ DISTILL_CPU_SLOTS: "3", DISTILL_INGEST_SLOTS: "1" })).toEqual({ cpu: 3, light: 1 });
    expect(() => slotLimits({ DISTILL_CPU_SLOTS: "two" })).toThrow(/DISTILL_CPU_SLOTS=two is not a whole number/);
  });

  it("gives a cancelled job 60 s to checkpoint before SIGKILL unless DISTILL_CANCEL_GRACE_MS says otherwise", () => {
    expect(cancelGraceMs({})).toBe(60_000);
    expect(cancelGraceMs({ DISTILL_CANCEL_GRACE_MS: "" })).toBe(60_000);
    expect(cancelGraceMs({ DISTILL_CANCEL_GRACE_MS: "120000" })).toBe(120_000);
    expect(cancelGraceMs({ DISTILL_CANCEL_GRACE_MS: "0" })).toBe(0);
    expect(() => cancelGraceMs({ DISTILL_CANCEL_GRACE_MS: "60s" })).toThrow(/^DISTILL_CANCEL_GRACE_MS=60s is not a whole number of milliseconds$/);
    expect(() => cancelGraceMs({ DISTILL_CANCEL_GRACE_MS: "-1" })).toThrow(/DISTILL_CANCEL_GRACE_MS=-1 is not a whole number of milliseconds/);
  });

  it("starts trainer kinds as `python -m distill run` and ingest as the Node worker, never through a shell", () => {
    const launch = defaultLauncher("/repo");
    expect(launch("train", "/d/runs/x", true)).toEqual(["/repo/.venv/bin/python", "-m", "distill", "run", "/d/runs/x", "--resume"]);
    expect(launch("score", "/d/runs/y", false)).toEqual(["/repo/.venv/bin/python", "-m", "distill", "run", "/d/runs/y"]);
    expect(launch("ingest", "/d/runs/z", false)).toEqual([process.execPath, "--import", "tsx", "server/ingest/worker.ts", "/d/runs/z"]);
  });

  it("runs the bundled ingest worker under a production build that has one, the TypeScript otherwise", () => {
    const repo = mkdtempSync(join(tmpdir(), "distill-launch-"));
    try {
      const tsx = [process.execPath, "--import", "tsx", "server/ingest/worker.ts", "/d/runs/z"];
      expect(defaultLauncher(repo, { NODE_ENV: "production" })("ingest", "/d/runs/z", false)).toEqual(tsx);
      mkdirSync(join(repo, ".next"));
      writeFileSync(join(repo, INGEST_WORKER_BUNDLE), "");
      expect(defaultLauncher(repo, { NODE_ENV: "production" })("ingest", "/d/runs/z", false)).toEqual([
        process.execPath, join(repo, INGEST_WORKER_BUNDLE), "/d/runs/z",
      ]);
      expect(defaultLauncher(repo, { NODE_ENV: "development" })("ingest", "/d/runs/z", false)).toEqual(tsx);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("refuses a job.json that breaks the contract, naming the field", () => {
    expect(() => buildSpec("train", { ...trainFields, loss: { name: "mse" } }, "t", "x")).toThrow(/loss\.name/);
  });
});
