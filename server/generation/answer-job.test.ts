import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { datasetRows, datasets } from "~/db/schema";
import { EMBEDDED_ENDPOINT_ID } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { defaultLauncher } from "~/server/jobs/command";
import { studioJobHooks } from "~/server/startup";
import { importFile, sharedDataset } from "~/test/support/import-file";
import { apiContext, python, tempStudio, waitFor, type Studio } from "~/test/support/studio";

/**
 * The studio side of an answer job, end to end: the tRPC mutation writes the run folder and starts the real
 * trainer against a real llama.cpp server (the embedded SmolLM2-135M-Instruct), and the answers come back as a
 * new dataset linked to its parent. max_tokens is small: the machine is shared.
 */

let studio: Studio | null = null;
let keyedServer: ChildProcess | null = null;
const servers: EmbeddedServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
  keyedServer?.kill("SIGTERM");
  keyedServer = null;
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

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
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
    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), ...studioJobHooks });
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
      expect(provenance.sampling).toMatchObject({ temperature: 0, max_tokens: 24 });
      expect(provenance.time).toEqual(expect.any(String));
    }
    // The row view gets the origin and provenance; the parent's rows stay original.
    expect(await caller.datasets.row({ id: datasetId!, idx: 0 })).toMatchObject({ origin: "teacher_answer", provenance: { model: spec.endpoint.model } });
    expect(await caller.datasets.row({ id: parentId, idx: 0 })).toMatchObject({ origin: "original", provenance: null });
  });

  it("gives a keyed endpoint's key to the job only through its environment: it is in no job.json, event, log, SQLite file or API answer", async () => {
    const key = `sk-answer-test-${process.pid}-secret`;
    const port = await freePort();
    // The embedded GGUF behind a real llama.cpp server that demands the key (the studio's own one takes none).
    keyedServer = spawn(python, ["-m", "distill.llama_server", "--host", "127.0.0.1", "--port", String(port), "--chat_format", "chatml", "--model_alias", "keyed-smollm2", "--n_ctx", "2048", "--verbose", "False", "--api_key", key], {
      stdio: ["pipe", "ignore", "ignore"],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: process.env.NODE_ENV, HF_HUB_OFFLINE: "1" },
    });
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    await waitForServer(`${baseUrl}/models`, key);

    studio = tempStudio({ launcher: defaultLauncher(process.cwd()), ...studioJobHooks });
    const { datasetId: parentId } = await importFile(studio.db, alpacaFile(studio.dir, 5));
    const caller = createCaller(apiContext(studio));
    const endpoint = await caller.endpoints.create({ name: "keyed", baseUrl, model: "keyed-smollm2", maxConcurrency: 2, requestTimeoutS: 60, inputPricePerM: 1, outputPricePerM: 2, apiKey: key });
    const answers: unknown[] = [endpoint];
    const started = await caller.generation.answer({ datasetId: parentId, endpointId: endpoint.id, temperature: 0, maxTokens: 16 });
    answers.push(started);
    const job = await finished(studio, started.jobId);
    // The server refuses requests without the key, so success means the job had it.
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    answers.push(
      await caller.jobs.get({ id: started.jobId }),
      await caller.jobs.list({ datasetId: parentId }),
      await caller.endpoints.list(),
      await caller.generation.answeredDataset({ jobId: started.jobId }),
    );

    const runDir = studio.manager.runDirOf(started.jobId);
    const places = [...filesUnder(runDir), ...[studio.dbFile, `${studio.dbFile}-wal`].filter((f) => { try { return statSync(f).isFile(); } catch { return false; } })];
    expect(places).toContain(join(runDir, "events.jsonl"));
    for (const place of places) expect(readFileSync(place).includes(key), place).toBe(false);
    expect(JSON.stringify(answers)).not.toContain(key);
  });
});

async function waitForServer(url: string, key: string): Promise<void> {
  for (const until = Date.now() + 120_000; ; await new Promise((r) => setTimeout(r, 500))) {
    try {
      if ((await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until || keyedServer?.exitCode !== null) throw new Error(`the keyed llama.cpp server at ${url} did not start`);
  }
}
