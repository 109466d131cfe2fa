import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";
import { EventSource } from "eventsource";
import superjson from "superjson";
import { openDb, type Db } from "~/db/client";
import type { TrainPlan } from "~/lib/contracts/plan";
import { sharedDataset } from "./import-file";
import { apiHandler } from "~/server/api/fetch-handler";
import { jobsRouter } from "~/server/api/routers/jobs";
import { createTRPCRouter, type ApiContext } from "~/server/api/trpc";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import type { Launcher } from "~/server/jobs/command";
import { JobStates } from "~/server/jobs/job-state";
import { JobManager, type JobManagerOptions } from "~/server/jobs/manager";

/** Shared by the job manager's tests and the latency benchmark: real SQLite files, real Python processes. */

export const python = resolve(".venv/bin/python");
export const emitterScript = resolve("test/fixtures/emitter.py");

/** Runs the fixture emitter for every Python job kind, with the trainer's argv shape (RUN_DIR [--resume]). */
export const emitterLauncher: Launcher = (_kind, runDir, resume) => [python, emitterScript, runDir, ...(resume ? ["--resume"] : [])];

export type EmitterConfig = {
  steps: number;
  rate: number;
  checkpoint_every?: number;
  fail_at?: number;
  ignore_sigterm?: boolean;
  start_delay_s?: number;
  /** Metric events carry bucket_loss for buckets 1..buckets (loss × (1 + b / 10)). */
  buckets?: number;
};

/** job.json fields of a minimal valid train job (the emitter ignores them). */
export const trainFields = {
  device: "cpu",
  teacher: { source: "embedded" },
  student: { source: "pruned", num_layers: 2 },
  loss: { name: "fkl" },
  optim: {},
  eval: {},
};

type AlpacaRecord = { instruction: string; input: string; output: string };

/** A real trainer's run-folder files: the first `count` Alpaca demo rows as data/train.jsonl, one plain stage over them. */
export function alpacaTrainFiles(count: number) {
  const records = (JSON.parse(readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8")) as AlpacaRecord[]).slice(0, count);
  const rows = records.map((r, i) => ({
    id: `alpaca-${i}`,
    messages: [
      { role: "user", content: r.instruction + (r.input ? `\n\n${r.input}` : "") },
      { role: "assistant", content: r.output },
    ],
  }));
  const plan: TrainPlan = {
    schema_version: 1,
    source: "plain",
    stages: [{ stage: 1, sample_ids: rows.map((r) => r.id), epochs: 1, temperature: 1, kd_weight: 1 }],
  };
  return { "data/train.jsonl": rows.map((r) => JSON.stringify(r)).join("\n") + "\n", "plan.json": JSON.stringify(plan) };
}

export function emitterJob(cfg: EmitterConfig, name = "emitter") {
  return {
    kind: "train" as const,
    name,
    spec: trainFields,
    files: { "emitter.json": JSON.stringify(cfg), "plan.json": "{}\n" },
  };
}

export type Studio = { dir: string; dbFile: string; db: Db; manager: JobManager; embedded: EmbeddedServer; cleanup(): void };

/** `hooks`: the job hooks, given the studio's embedded server (the studio's own: `hooks: studioJobHooks`). */
export function tempStudio(options: Partial<JobManagerOptions> & { hooks?: (embedded: EmbeddedServer) => Partial<JobManagerOptions> } = {}): Studio {
  const { hooks, ...managerOptions } = options;
  const dir = mkdtempSync(join(tmpdir(), "distill-jobs-"));
  const dbFile = join(dir, "studio.db");
  const db = openDb(dbFile);
  // Started only by the tests that ask for it; stopped with the studio.
  const embedded = new EmbeddedServer({ repoRoot: managerOptions.repoRoot ?? process.cwd(), idleMs: 60_000 });
  const manager = new JobManager({
    db,
    dataDir: dir,
    launcher: emitterLauncher,
    gpus: [],
    limits: { cpu: 2, light: 2 },
    cancelGraceMs: 5_000,
    ...hooks?.(embedded),
    ...managerOptions,
  });
  return {
    dir,
    dbFile,
    db,
    manager,
    embedded,
    cleanup() {
      embedded.stop();
      manager.detach();
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the API's procedures get, for a test studio. */
export function apiContext(studio: Pick<Studio, "db" | "manager" | "embedded">, headers = new Headers()): ApiContext {
  return { db: studio.db, jobs: studio.manager, embedded: studio.embedded, headers };
}

/** A running jobs row with an empty run folder, for tests that drive the tailer or the stream by hand. */
export function insertRunningJob(studio: Studio, id: string): string {
  const runDir = join(studio.dir, "runs", id);
  mkdirSync(runDir, { recursive: true });
  const states = new JobStates(studio.db, studio.manager.bus);
  states.create({ id, kind: "train", name: id, runDir, datasetId: null, spec: "{}" });
  states.claim(id, "cpu", Date.now());
  return runDir;
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function storedSeqs(db: Db, jobId: string): number[] {
  return db.$client.prepare("select seq from job_events where job_id = ? order by seq").pluck().all(jobId) as number[];
}

/** The seqs in the run folder's events.jsonl (what the job wrote). */
export function fileSeqs(runDir: string): number[] {
  return readFileSync(join(runDir, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const jobsApp = createTRPCRouter({ jobs: jobsRouter });

/** A client that subscribes through SSE as the browser does, the `eventsource` package standing in for its EventSource. */
export function jobsClient(url: string) {
  return createTRPCClient<typeof jobsApp>({ links: [httpSubscriptionLink({ url, transformer: superjson, EventSource })] });
}

/**
 * The jobs router over real HTTP on a free port, through the studio's own API handler (so jobs.events is
 * served by event-sse.ts as under `next start`) on plain node:http.
 */
export async function serveJobsRouter(studio: Pick<Studio, "db" | "manager" | "embedded">) {
  const handle = apiHandler({ router: jobsApp, endpoint: "", createContext: (req) => apiContext(studio, req.headers) });
  const server = createServer((req, res) => {
    void (async () => {
      const response = await handle(incomingMessageToRequest(req, res, { maxBodySize: null }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return res.end();
      res.flushHeaders();
      // A client that goes away destroys the pipeline, which cancels the body stream.
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    client: () => jobsClient(url),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
