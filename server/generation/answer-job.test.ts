import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { datasetRows, datasets } from "~/db/schema";
import { EMBEDDED_ENDPOINT_ID, EMBEDDED_MODEL } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { keyProxy } from "~/test/support/key-proxy";
import { apiContext, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * The studio side of an answer job, end to end: the tRPC mutation writes the run folder and starts the real
 * trainer against a real llama.cpp server (the embedded SmolLM2-135M-Instruct), and the answers come back as a
 * new dataset linked to its parent. max_tokens is small: the machine is shared.
 */

let studio: Studio | null = null;
const servers: EmbeddedServer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
  for (const server of servers.splice(0)) server.stop();
  studio?.cleanup();
  studio = null;
});

function alpacaFile(dir: string, count: number): string {
  const records = (JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as unknown[]).slice(0, count);
  const path = join(dir, "alpaca_20.json");
  writeFileSync(path, JSON.stringify(records));
  return path;
}

async function finished(s: Studio, jobId: string) {
  const caller = createCaller(apiContext(s));
  return waitFor("the answer job to end", () => {
    const job = s.manager.db.$client.prepare("select status, error from jobs where id = ?").get(jobId) as { status: string; error: string | null };
    return ["succeeded", "failed", "cancelled"].includes(job.status) ? { ...job, caller } : null;
  }, 240_000);
}

/** What a subscription gives, to its end (a finished job's events end). */
async function everything(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const item of iterable) seen.push(item);
  return seen;
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("answer job", () => {
  it("answers 20 Alpaca prompts with the embedded teacher into a new dataset linked to its parent, with provenance", async () => {
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    const embedded = new EmbeddedServer({ repoRoot: studio.manager.repoRoot, idleMs: 2_000 });
    servers.push(embedded);
    studio.embedded = embedded;
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 20));
    const caller = createCaller(apiContext(studio));

    const { jobId } = await caller.generation.answer({ datasetId: parentId, endpointId: EMBEDDED_ENDPOINT_ID, temperature: 0, maxTokens: 24 });
    const spec = JSON.parse(readFileSync(join(studio.manager.runDirOf(jobId), "job.json"), "utf8"));
    expect(spec.cache).toBe(join(studio.dir, "response-cache.sqlite"));
    expect(readFileSync(join(studio.manager.runDirOf(jobId), "data/rows.jsonl"), "utf8").trim().split("\n")).toHaveLength(20);

    const job = await finished(studio, jobId);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    // The job held the embedded server (no idle stop while it ran) and let go when it ended: it goes idle.
    await waitFor("the embedded server to stop once idle", () => embedded.status().state === "stopped", 15_000);

    const { datasetId } = await caller.generation.answeredDataset({ jobId });
    const child = studio.db.select().from(datasets).where(eq(datasets.id, datasetId!)).get()!;
    expect(child).toMatchObject({ parentId, status: "ready", jobId });
    const rows = studio.db.select().from(datasetRows).where(eq(datasetRows.datasetId, datasetId!)).all();
    // Each row answered or set aside (max_tokens 24 cuts most answers off: "length"), and counted.
    expect(rows.length + child.rejectedCount).toBe(20);
    expect(child.rowCount).toBe(rows.length);
    const parentPrompts = new Set(studio.db.select({ prompt: datasetRows.prompt }).from(datasetRows).where(eq(datasetRows.datasetId, parentId)).all().map((r) => r.prompt));
    for (const row of rows) {
      expect(row.origin).toBe("teacher_answer");
      expect(parentPrompts.has(row.prompt)).toBe(true);
      expect(row.response.trim()).not.toBe("");
      const provenance = JSON.parse(row.provenance!);
      expect(provenance).toMatchObject({ model: spec.endpoint.model, endpoint: spec.endpoint.base_url, template: { name: "answer-as-is", version: 1 } });
      expect(provenance.endpoint_identity).toBe(spec.endpoint.identity);
      expect(provenance.sampling).toMatchObject({ temperature: 0, max_tokens: 24 });
      expect(provenance.time).toEqual(expect.any(String));
    }
    // The row view gets the origin and provenance; the parent's rows stay original.
    expect(await caller.datasets.row({ id: datasetId!, idx: 0 })).toMatchObject({ origin: "teacher_answer", provenance: { model: spec.endpoint.model } });
    expect(await caller.datasets.row({ id: parentId, idx: 0 })).toMatchObject({ origin: "original", provenance: null });
  }, 240_000);

  it("gives a keyed endpoint's key to a studio-launched job only through its environment: it is in no job.json, event, log, SQLite file or API answer", async () => {
    const key = `sk-answer-test-${process.pid}-secret`;
    // The studio's log output while it has the key: everything written to the console or the process's streams.
    const studioLog: string[] = [];
    const record = (...args: unknown[]) => void studioLog.push(args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "));
    for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation(record);
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => (record(String(chunk)), write(chunk, ...rest))) as typeof stream.write);
    }

    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), hooks: studioJobHooks });
    // A real keyed server: the embedded llama.cpp server behind a proxy that refuses requests without the key.
    const upstream = await studio.embedded.acquire();
    const proxy = await keyProxy(upstream.baseUrl, key);
    closers.push(() => proxy.close(), async () => upstream.release());
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 5));
    const caller = createCaller(apiContext(studio));
    const endpoint = await caller.endpoints.create({ name: "keyed", baseUrl: proxy.baseUrl, model: EMBEDDED_MODEL, maxConcurrency: 2, requestTimeoutS: 60, inputPricePerM: 1, outputPricePerM: 2, apiKey: key });
    const answers: unknown[] = [endpoint, await caller.generation.answerCount({ datasetId: parentId, subset: { kind: "all" } })];
    const started = await caller.generation.answer({ datasetId: parentId, endpointId: endpoint.id, temperature: 0, maxTokens: 16 });
    answers.push(started);
    const job = await finished(studio, started.jobId);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    // The proxy got the key with every request of the job, and nothing came without it.
    expect(proxy.withKey).toBeGreaterThanOrEqual(5);
    expect(proxy.refused).toBe(0);
    answers.push(
      await caller.jobs.get({ id: started.jobId }),
      await caller.jobs.list({ datasetId: parentId }),
      await everything(await caller.jobs.events({ jobId: started.jobId })),
      await caller.endpoints.list(),
      await caller.endpoints.embedded(),
      await caller.generation.answeredDataset({ jobId: started.jobId }),
    );

    const runDir = studio.manager.runDirOf(started.jobId);
    const places = [...filesUnder(runDir), ...[studio.dbFile, `${studio.dbFile}-wal`].filter((f) => { try { return statSync(f).isFile(); } catch { return false; } })];
    expect(places).toEqual(expect.arrayContaining([join(runDir, "job.json"), join(runDir, "events.jsonl"), join(runDir, "stdout.log"), join(runDir, "stderr.log"), studio.dbFile]));
    for (const place of places) expect(readFileSync(place).includes(key), place).toBe(false);
    expect(JSON.stringify(answers)).not.toContain(key);
    // A job that goes well logs nothing; anything the studio did log (an internal error, a failed hook) is here.
    expect(studioLog.join("\n")).not.toContain(key);
    expect(studio.embedded.status().log.join("\n")).not.toContain(key);
  }, 240_000);
});

