import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EMBEDDED_MODEL } from "~/lib/contracts/endpoints";
import { createCaller } from "~/server/api/root";
import { apiContext, python, tempStudio, waitFor, type Studio } from "~/test/support/studio";
import { EmbeddedServer } from "./embedded-server";

/**
 * The real llama.cpp server (llama-cpp-python) on the embedded SmolLM2-135M-Instruct GGUF, started and stopped
 * by the studio's manager. Each start loads the model in about a second.
 */

let studio: Studio | null = null;
const servers: EmbeddedServer[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  studio?.cleanup();
  studio = null;
  for (const server of servers.splice(0)) server.stop();
});

async function refuses(baseUrl: string): Promise<boolean> {
  try {
    await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (e) {
    return (e as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";
  }
}

/** Whether the server's port is closed within 10 s (SIGTERM lets it finish what it was doing). */
async function closesPort(baseUrl: string): Promise<boolean> {
  for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    if (await refuses(baseUrl)) return true;
  }
  return false;
}

describe("embedded endpoint", () => {
  it("starts on a Test, lists its model, answers a short completion, shows its log, and stops", async () => {
    // What Next sets (PORT) or a user might (API_KEY): llama_cpp.server would read both from its environment.
    vi.stubEnv("PORT", "1");
    vi.stubEnv("API_KEY", "sk-of-the-studio-environment");
    studio = tempStudio();
    const caller = createCaller(apiContext(studio));
    expect((await caller.endpoints.embedded()).state).toBe("stopped");

    // Two asking at once share one start.
    const [result, started] = await Promise.all([caller.endpoints.test({ id: "embedded" }), caller.endpoints.startEmbedded()]);
    expect(result.models).toEqual([EMBEDDED_MODEL]);
    expect(result.modelListed).toBe(true);
    expect(result.reply.trim().length).toBeGreaterThan(0);
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeLessThanOrEqual(8);
    expect(result.modelsLatencyMs).toBeGreaterThanOrEqual(0);
    expect(result.completionLatencyMs).toBeGreaterThan(0);

    const status = await caller.endpoints.embedded();
    expect(status).toMatchObject({ state: "running", model: EMBEDDED_MODEL, error: null });
    expect(started.baseUrl).toBe(status.baseUrl);
    expect(status.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(status.log[0]).toContain("-m distill.llama_server --host 127.0.0.1");
    expect(status.log.join("\n")).toContain("POST /v1/chat/completions");

    const stopped = await caller.endpoints.stopEmbedded();
    expect(stopped).toMatchObject({ state: "stopped", baseUrl: null });
    expect(await closesPort(status.baseUrl!)).toBe(true);
  });

  it("stops after the idle time once no one holds it", async () => {
    const server = new EmbeddedServer({ repoRoot: process.cwd(), idleMs: 1_500 });
    servers.push(server);
    const lease = await server.acquire();
    // Named by its model and GGUF content, not by its port (docs/generation.md).
    expect(lease.identity).toMatch(/^embedded\/smollm2-135m-instruct@sha256:[0-9a-f]{64}$/);
    // Held: no idle stop, however long the holder takes.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(server.status().state).toBe("running");
    lease.release();
    await waitFor("the idle stop", () => server.status().state === "stopped", 10_000);
    expect(server.status().log).toContain("no request for 1.5 s: stopping (DISTILL_EMBEDDED_IDLE_MS)");
    expect(await closesPort(lease.baseUrl)).toBe(true);
  });

  it("exits by itself when the studio's end of its stdin closes (a studio killed outright)", async () => {
    const child = spawn(python, ["-m", "distill.llama_server", "--host", "127.0.0.1", "--port", "0"], { stdio: ["pipe", "ignore", "pipe"] });
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    await waitFor("the model to load", () => log.includes("Uvicorn running") || child.exitCode !== null, 30_000);
    expect(child.exitCode).toBeNull();
    child.stdin.end();
    const [code] = (await Promise.race([once(child, "exit"), new Promise((r) => setTimeout(() => r([null]), 10_000))])) as [number | null];
    if (code === null) child.kill("SIGKILL");
    expect(code).toBe(0);
  });
});
