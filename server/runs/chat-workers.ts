import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ModelRef } from "~/lib/contracts/job";

/**
 * Try-it generation runs in the trainer's Python (`python -m distill chat`, trainer/distill/chat.py), never in
 * the studio's process: one worker per model, started on the first question, answering one request at a time
 * over JSON lines, and stopped after DISTILL_CHAT_IDLE_MS (default 5 minutes) without a question.
 */

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };
type Reply = { id?: string; type: "ready" | "token" | "done" | "error"; text?: string; message?: string };

export function chatIdleMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.DISTILL_CHAT_IDLE_MS ?? 300_000);
  return Number.isFinite(value) && value > 0 ? value : 300_000;
}

/** A queue of replies one request reads as they come. */
class Inbox {
  private items: Reply[] = [];
  private wake: (() => void) | null = null;
  push(reply: Reply) {
    this.items.push(reply);
    this.wake?.();
  }
  async next(): Promise<Reply> {
    while (this.items.length === 0) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    return this.items.shift()!;
  }
}

class ChatWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly ready: Promise<void>;
  private inbox: Inbox | null = null;
  private turn: Promise<void> = Promise.resolve();
  private idle: NodeJS.Timeout | null = null;
  private stderr = "";
  private nextId = 0;
  exited = false;

  constructor(
    argv: string[],
    cwd: string,
    private readonly idleMs: number,
    private readonly onExit: () => void,
  ) {
    this.child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1", HF_HUB_OFFLINE: "1" } });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    let readyOrError: (reply: Reply) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      readyOrError = (reply) => (reply.type === "ready" ? resolve() : reject(new Error(reply.message ?? "the chat worker failed to start")));
    });
    // Awaited by each question; a worker that dies before anyone asks must not be an unhandled rejection.
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return; // a library printing to stdout: not the protocol
      }
      if (reply.id === undefined) readyOrError(reply);
      else this.inbox?.push(reply);
    });
    this.child.on("error", (e) => readyOrError({ type: "error", message: e.message }));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      const why = `the chat worker exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim().split("\n").at(-1)}` : ""}`;
      readyOrError({ type: "error", message: why });
      this.inbox?.push({ id: "", type: "error", message: why });
      this.onExit();
    });
    this.armIdle();
  }

  /** The answer's pieces as the model writes them; requests wait their turn. */
  async *ask(messages: ChatMessage[], maxNewTokens: number, signal?: AbortSignal): AsyncGenerator<string> {
    const previous = this.turn;
    let release!: () => void;
    this.turn = new Promise((r) => (release = r));
    try {
      await previous;
      if (this.idle) clearTimeout(this.idle);
      await this.ready;
      const id = String(++this.nextId);
      const inbox = (this.inbox = new Inbox());
      this.child.stdin.write(`${JSON.stringify({ id, messages, max_new_tokens: maxNewTokens })}\n`);
      for (;;) {
        const reply = await inbox.next();
        if (reply.id !== id && reply.id !== "") continue;
        if (reply.type === "done") return;
        if (reply.type === "error") throw new Error(reply.message);
        // A reader that went away still lets the worker finish this answer before the next request.
        if (!signal?.aborted) yield reply.text ?? "";
      }
    } finally {
      this.inbox = null;
      this.armIdle();
      release();
    }
  }

  stop(): void {
    if (!this.exited) this.child.stdin.end();
  }

  private armIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), this.idleMs);
    this.idle.unref();
  }
}

const workers = new Map<string, ChatWorker>();

/**
 * The worker for `model` (relative paths read from `baseDir`), started when none is running. `repoRoot` is
 * where the trainer's virtual environment is (.venv).
 */
export function chatWorker(model: ModelRef, baseDir: string, repoRoot: string): ChatWorker {
  const key = JSON.stringify([model, baseDir]);
  const running = workers.get(key);
  if (running && !running.exited) return running;
  const python = join(repoRoot, ".venv", "bin", "python");
  const worker = new ChatWorker([python, "-m", "distill", "chat", JSON.stringify(model), "--base-dir", baseDir], repoRoot, chatIdleMs(), () => {
    if (workers.get(key) === worker) workers.delete(key);
  });
  workers.set(key, worker);
  return worker;
}

/** Stops every chat worker (tests; a studio shutdown leaves them to their idle timers). */
export function stopChatWorkers(): void {
  for (const worker of workers.values()) worker.stop();
  workers.clear();
}
