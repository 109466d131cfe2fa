import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { EMBEDDED_MODEL, type EmbeddedState, type EmbeddedStatus } from "~/lib/contracts/endpoints";
import { UserError } from "~/lib/errors";
import { wholeNumber, type Env } from "~/lib/settings";

/**
 * The embedded endpoint: llama-cpp-python's OpenAI-compatible server for the embedded SmolLM2-135M-Instruct GGUF
 * (`python -m distill.llama_server`, trainer/distill/llama_server.py), on 127.0.0.1 at a free port. Started on
 * demand (the endpoints page's Start, a Test, a job that holds it), stopped after `idleMs` with no holder. The
 * composition root (server/startup.ts) builds one per studio and stops it when the studio exits; the server also
 * exits by itself when the studio's end of its stdin closes (a studio killed with SIGKILL).
 */

/** Stopped after this long without a holder: DISTILL_EMBEDDED_IDLE_MS, default 10 minutes. */
export function embeddedIdleMs(env: Env = process.env): number {
  return wholeNumber(env, "DISTILL_EMBEDDED_IDLE_MS", 600_000, "milliseconds");
}

/**
 * The GGUF's own chat template (`chat_template.default`) makes the model answer nonsense; ChatML is the template
 * it was trained on (../shared/FACTS.md). One context of 2,048 tokens: prompt and answer of a TAPIR request fit.
 * Not verbose: llama.cpp's own logging prints some 2,000 lines per load and request, which would bury the
 * server's log (uvicorn's lines: start, each request, errors).
 */
const SERVER_ARGS = ["--chat_format", "chatml", "--model_alias", EMBEDDED_MODEL, "--n_ctx", "2048", "--verbose", "False"];
const LOG_LINES = 200;
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

/**
 * The server's environment: only what a process needs to run. llama_cpp.server reads its settings from the
 * environment too (pydantic-settings), and they win over its arguments: the studio's PORT (set by Next) would move
 * it onto the studio's port, an API_KEY would lock the studio out of it.
 */
const PASSED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES"];

function serverEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passed = Object.fromEntries(PASSED_ENV.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
  // NODE_ENV because Next's types require it in every environment; the server has no setting of that name.
  return { ...passed, NODE_ENV: env.NODE_ENV, PYTHONUNBUFFERED: "1", HF_HUB_OFFLINE: "1" };
}

export type EmbeddedServerOptions = {
  /** Where .venv is; the server runs the trainer's Python. */
  repoRoot: string;
  idleMs: number;
};

/**
 * A holder keeps the server running (no idle stop) until it calls release(). `identity` names what answers (the
 * model and its GGUF's content), the same across restarts on other ports, for the keys of a job's journal and
 * response cache (docs/generation.md).
 */
export type EmbeddedLease = { baseUrl: string; identity: string; release(): void };

/** The line trainer/distill/llama_server.py prints first (IDENTITY_PREFIX there), with the GGUF's SHA-256. */
const GGUF_LINE = /^distill\.llama_server: serving GGUF sha256:([0-9a-f]{64})\b/;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export class EmbeddedServer {
  private child: ChildProcessWithoutNullStreams | null = null;
  private state: EmbeddedState = "stopped";
  private baseUrl: string | null = null;
  private identity: string | null = null;
  private starting: Promise<string> | null = null;
  private error: string | null = null;
  private readonly log: string[] = [];
  private holders = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EmbeddedServerOptions) {}

  status(): EmbeddedStatus {
    return { state: this.state, baseUrl: this.baseUrl, model: EMBEDDED_MODEL, idleStopMs: this.options.idleMs, error: this.error, log: [...this.log] };
  }

  /** The server's base URL once it answers, starting it when it is not running. */
  async acquire(): Promise<EmbeddedLease> {
    this.holders++;
    this.disarmIdle();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.holders--;
      this.armIdle();
    };
    try {
      const baseUrl = await this.start();
      // Set by the server's first line, before it answers: start() resolves only once it answers.
      if (!this.identity) throw new UserError("SERVICE_UNAVAILABLE", "the embedded server did not say which GGUF it serves (its first line names it)");
      return { baseUrl, identity: this.identity, release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Starts the server (once, however many ask at the same time) and resolves with its base URL when it answers. */
  start(): Promise<string> {
    if (this.state === "running" && this.baseUrl) {
      this.armIdle();
      return Promise.resolve(this.baseUrl);
    }
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  /** SIGTERM now, SIGKILL if it has not exited after a grace period; safe to call from an exit handler. */
  stop(): void {
    this.disarmIdle();
    const child = this.child;
    if (!child) return;
    this.child = null;
    this.state = "stopped";
    this.baseUrl = null;
    child.kill("SIGTERM");
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"), STOP_GRACE_MS).unref();
  }

  private async launch(): Promise<string> {
    this.error = null;
    this.state = "starting";
    this.log.length = 0;
    this.identity = null;
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const python = join(this.options.repoRoot, ".venv", "bin", "python");
    const argv = ["-m", "distill.llama_server", "--host", "127.0.0.1", "--port", String(port), ...SERVER_ARGS];
    this.append(`$ ${python} ${argv.join(" ")}`);
    const child = spawn(python, argv, { cwd: this.options.repoRoot, env: serverEnv() });
    this.child = child;
    this.baseUrl = baseUrl;
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => this.append(line));
    const exited = new Promise<string>((resolve) => {
      child.on("error", (e) => resolve(`the embedded server could not be started: ${e.message}`));
      child.on("exit", (code, signal) => resolve(`the embedded server exited (${signal ?? `code ${code}`})`));
    });
    void exited.then((why) => this.exited(child, why));
    const answering = this.waitUntilAnswering(baseUrl, child);
    const failure = await Promise.race([answering.then(() => null), exited]);
    if (failure === null && this.child === child) {
      this.state = "running";
      this.armIdle();
      return baseUrl;
    }
    // exited() has run by now (it was attached to the exit first) and set the error of a crash; stop() sets none.
    throw new UserError("SERVICE_UNAVAILABLE", this.error ?? "the embedded server was stopped before it was ready");
  }

  private async waitUntilAnswering(baseUrl: string, child: ChildProcessWithoutNullStreams): Promise<void> {
    const until = Date.now() + START_TIMEOUT_MS;
    while (this.child === child && child.exitCode === null) {
      try {
        const response = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        this.append(`no answer from ${baseUrl} within ${START_TIMEOUT_MS / 1000} s: stopping it`);
        child.kill("SIGKILL");
        return new Promise(() => undefined); // the exit settles the start
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return new Promise(() => undefined);
  }

  private exited(child: ChildProcessWithoutNullStreams, why: string): void {
    this.append(why);
    if (this.child !== child) return; // stopped on purpose
    this.child = null;
    this.baseUrl = null;
    this.state = "failed";
    this.error = `${why}${this.lastWords()}`;
    this.disarmIdle();
  }

  /** The last line the server printed before failing, which usually says why. */
  private lastWords(): string {
    const last = this.log.findLast((line) => line.trim() && !line.startsWith("the embedded server") && !line.startsWith("$ "));
    return last ? `: ${last.trim()}` : "";
  }

  private append(line: string): void {
    const gguf = GGUF_LINE.exec(line);
    if (gguf) this.identity = `embedded/${EMBEDDED_MODEL}@sha256:${gguf[1]}`;
    this.log.push(line);
    if (this.log.length > LOG_LINES) this.log.splice(0, this.log.length - LOG_LINES);
  }

  private armIdle(): void {
    this.disarmIdle();
    if (this.holders > 0 || !this.child) return;
    this.idleTimer = setTimeout(() => {
      this.append(`no request for ${this.options.idleMs / 1000} s: stopping (DISTILL_EMBEDDED_IDLE_MS)`);
      this.stop();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }

  private disarmIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
