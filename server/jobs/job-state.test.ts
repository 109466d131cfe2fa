import { afterEach, expect, it } from "vitest";
import type { BusMessage } from "./bus";
import { jobRow } from "./job-row";
import { JobStates } from "./job-state";
import { type Studio, tempStudio } from "~/test/support/studio";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

function setup() {
  studio = tempStudio();
  const states = new JobStates(studio.db, studio.manager.bus);
  const published: BusMessage[] = [];
  studio.manager.bus.listen("j", (m) => published.push(m));
  const status = () => jobRow(studio!.db, "j")!.status;
  states.create({ id: "j", kind: "train", name: "j", runDir: studio.dir, datasetId: null, spec: "{}" });
  return { states, published, status };
}

it("writes each allowed transition and publishes it in the same call", () => {
  const { states, published, status } = setup();
  expect(states.claim("j", "cpu", 1_000)).toBe(true);
  expect(status()).toBe("running");
  expect(states.finish("j", "succeeded", null)).toBe(true);
  expect(jobRow(studio!.db, "j")).toMatchObject({ status: "succeeded", progress: 1, pid: null, startedAt: 1_000 });
  expect(published).toEqual([
    { kind: "status", status: "queued" },
    { kind: "status", status: "running" },
    { kind: "status", status: "succeeded" },
  ]);
});

it("refuses transitions the job's status does not allow, writing and publishing nothing", () => {
  const { states, published, status } = setup();
  expect(states.finish("j", "failed", "x")).toBe(false); // queued is not running
  states.claim("j", "cpu", 1);
  expect(states.claim("j", "cpu", 2)).toBe(false); // a second studio process claiming it too
  expect(states.cancelQueued("j")).toBe(false);
  expect(states.requeue("j")).toBe(false);
  states.finish("j", "succeeded", null);
  expect(states.finish("j", "failed", "late")).toBe(false);
  expect(states.requeue("j")).toBe(false); // only failed or cancelled jobs resume
  expect(status()).toBe("succeeded");
  expect(published.map((m) => m.kind === "status" && m.status)).toEqual(["queued", "running", "succeeded"]);
});

it("resumes a failed or cancelled job by queueing it again", () => {
  const { states, status } = setup();
  states.cancelQueued("j");
  expect(states.requeue("j")).toBe(true);
  expect(status()).toBe("queued");
  states.failQueued("j", "no GPU");
  expect(jobRow(studio!.db, "j")).toMatchObject({ status: "failed", error: "no GPU" });
  expect(states.requeue("j")).toBe(true);
  expect(jobRow(studio!.db, "j")).toMatchObject({ status: "queued", error: null, endedAt: null });
});
