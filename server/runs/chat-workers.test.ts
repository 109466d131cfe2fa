import { afterAll, describe, expect, it } from "vitest";
import { chatWorker, stopChatWorkers } from "./chat-workers";

afterAll(() => stopChatWorkers());

const question = (content: string) => [{ role: "user" as const, content }];

async function collect(pieces: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

describe("chat workers (python -m distill chat with the embedded SmolLM2)", () => {
  it("streams an answer in pieces, answers questions in turn, and reuses one worker per model", async () => {
    const worker = chatWorker({ source: "embedded" }, process.cwd(), process.cwd());
    const [first, second] = await Promise.all([
      collect(worker.ask(question("What is the capital of France?"), 8)),
      collect(chatWorker({ source: "embedded" }, process.cwd(), process.cwd()).ask(question("Name a colour."), 4)),
    ]);
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(first.join("").trim()).not.toBe("");
    expect(second.join("").trim()).not.toBe("");
    expect(chatWorker({ source: "embedded" }, process.cwd(), process.cwd())).toBe(worker);
  }, 300_000);

  it("a model that cannot load fails the question with the worker's sentence", async () => {
    const worker = chatWorker({ source: "dir", path: "/nonexistent/model" }, process.cwd(), process.cwd());
    await expect(collect(worker.ask(question("hi"), 4))).rejects.toThrow(/does not exist/);
  }, 120_000);
});
