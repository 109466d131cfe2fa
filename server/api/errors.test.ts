import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { NO_PROMPT_COLUMN } from "~/lib/contracts/job";
import { apiHandler } from "~/server/api/fetch-handler";
import { appRouter } from "~/server/api/root";
import { apiContext, type Studio, tempStudio } from "~/test/support/studio";

type Answer = { status: number; body: string; error: { message: string; data: { code: string; httpStatus: number } } };

/** One procedure call over HTTP through the studio's handler, as the browser makes it. */
async function call(studio: Studio, type: "query" | "mutation", path: string, input: unknown): Promise<Answer> {
  const handle = apiHandler({ router: appRouter, endpoint: "/api/trpc", createContext: () => apiContext(studio) });
  const payload = JSON.stringify({ json: input });
  const url = `http://127.0.0.1/api/trpc/${path}`;
  const response = await handle(
    type === "query" ? new Request(`${url}?input=${encodeURIComponent(payload)}`) : new Request(url, { method: "POST", body: payload, headers: { "content-type": "application/json" } }),
  );
  const body = await response.text();
  return { status: response.status, body, error: (JSON.parse(body) as { error: { json: Answer["error"] } }).error.json };
}

describe("one error path for every procedure", () => {
  let studio: Studio;
  let broken: Studio;
  beforeAll(() => {
    studio = tempStudio();
    broken = tempStudio();
    // A database that fails every statement: an internal error, not something the user did.
    broken.db.$client.close();
  });
  afterAll(() => {
    studio.cleanup();
    broken.manager.detach();
  });

  it("answers a missing record with NOT_FOUND and its message", async () => {
    const { status, error } = await call(studio, "query", "datasets.get", { id: "nope" });
    expect(status).toBe(404);
    expect(error.data.code).toBe("NOT_FOUND");
    expect(error.message).toBe("dataset nope does not exist (it may have been deleted)");
  });

  it("answers a refused request with BAD_REQUEST and its message", async () => {
    const refused = await call(studio, "mutation", "runs.launch", { datasetId: "nope" });
    expect(refused.status).toBe(400);
    expect(refused.error.data.code).toBe("BAD_REQUEST");
    expect(refused.error.message).toBe("dataset nope does not exist");
    const invalid = await call(studio, "mutation", "curriculum.save", { name: "x", spec: { dataset_id: "d", resample: null, schedule: { mode: "cumulative" } } });
    expect(invalid.error.data.code).toBe("BAD_REQUEST");
    expect(invalid.error.message).toMatch(/needs a scoring pass to bucket by/);
  });

  it("answers an input that fails its schema with sentences naming the fields, never zod's issues as JSON", async () => {
    const { status, body, error } = await call(studio, "mutation", "curriculum.startJob", { kind: "score", datasetId: "d", scorer: "pocl", studentLayers: 0, maxNewTokens: 2.5 });
    expect(status).toBe(400);
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("student layers must be at least 1; max new tokens must be a whole number");
    expect(body).not.toMatch(/too_small|"origin"|Too small/);
    const missing = await call(studio, "query", "datasets.get", {});
    expect(missing.error.message).toBe("id is required");
  });

  it("names every run of a comparison that does not exist, in a sentence that agrees with their number", async () => {
    const two = await call(studio, "query", "runs.compare", { ids: ["gone-a", "gone-b"] });
    expect([two.status, two.error.message]).toEqual([404, "runs gone-a, gone-b do not exist"]);
    const one = await call(studio, "query", "runs.get", { id: "gone-a" });
    expect([one.status, one.error.message]).toEqual([404, "run gone-a does not exist"]);
  });

  it("bounds every text field users send, each refusal a sentence", async () => {
    const long = "x".repeat(201);
    const refusals = await Promise.all([
      call(studio, "mutation", "runs.launch", { datasetId: "d", name: long }),
      call(studio, "mutation", "runs.launch", { datasetId: "d", outputDir: "/".repeat(4097) }),
      call(studio, "mutation", "runs.launch", { datasetId: "d", teacher: { source: "dir", path: "/".repeat(4097) } }),
      call(studio, "mutation", "curriculum.save", { name: long, spec: {} }),
      call(studio, "query", "runs.get", { id: long }),
      call(studio, "query", "curriculum.get", { id: long }),
      call(studio, "query", "curriculum.list", { datasetId: long }),
      call(studio, "query", "jobs.get", { id: long }),
      call(studio, "mutation", "curriculum.startJob", { kind: "tag", datasetId: "d", taggerPath: "t".repeat(4097) }),
      call(studio, "query", "runs.compare", { ids: ["a"] }),
    ]);
    expect(refusals.map((r) => r.status)).toEqual(refusals.map(() => 400));
    expect(refusals.map((r) => r.error.message.split("; ")[0])).toEqual([
      "a run name is at most 200 characters",
      "the output folder is at most 4096 characters",
      "the teacher's path is at most 4096 characters",
      "a curriculum name is at most 200 characters",
      "a run id is at most 100 characters",
      "a curriculum id is at most 100 characters",
      "a dataset id is at most 100 characters",
      "a job id is at most 100 characters",
      "the tagger folder is at most 4096 characters",
      "choose at least 2 runs to compare",
    ]);
  });

  it("refuses an import that maps neither an instruction nor a messages column, before any dataset is made", async () => {
    const { status, error } = await call(studio, "mutation", "datasets.import", { uploadId: "u.csv", name: "x", format: "csv", mapping: { output: "a" } });
    expect(status).toBe(400);
    expect(error.message).toBe(NO_PROMPT_COLUMN);
    expect(studio.db.$client.prepare("select count(*) as n from datasets").get()).toEqual({ n: 0 });
  });

  it("logs any other error with the procedure's path and an id, and shows only that id, with no stack", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const { status, body, error } = await call(broken, "query", "datasets.list", undefined);
      expect(status).toBe(500);
      expect(error.data.code).toBe("INTERNAL_SERVER_ERROR");
      const id = /^internal error \(id ([0-9a-f]{8})\): the studio's log has the details$/.exec(error.message)?.[1];
      expect(id).toBeDefined();
      expect(body).not.toMatch(/stack|database connection|\.ts\b|node_modules/);
      expect(body).not.toContain(process.cwd());
      expect(log).toHaveBeenCalledTimes(1);
      const [line, cause] = log.mock.calls[0]!;
      expect(line).toBe(`tRPC datasets.list failed (error id ${id}):`);
      expect((cause as Error).message).toMatch(/database connection is not open/);
    } finally {
      log.mockRestore();
    }
  });
  it("keeps a refusal's message when the object that threw it comes from another bundle (Next's instrumentation)", async () => {
    // A fresh module registry: this EmbeddedServer and the UserError it throws are other copies of the classes.
    vi.resetModules();
    const { EmbeddedServer } = await import("~/server/endpoints/embedded-server");
    const elsewhere = { ...studio, embedded: new EmbeddedServer({ repoRoot: studio.dir, idleMs: 60_000 }) };
    const { status, error } = await call(elsewhere, "mutation", "endpoints.startEmbedded", undefined);
    expect(status).toBe(503);
    expect(error.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.message).toMatch(/^the embedded server could not be started: spawn .*python ENOENT/);
  });
});
