import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import superjson from "superjson";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { connectEndpoint, endpointJobEnv } from "~/server/endpoints/connection";
import { keyFilePath } from "~/server/endpoints/key-store";
import { apiContext, tempStudio, type Studio } from "~/test/support/studio";

const KEY = "sk-test-4f0c1d2e9a8b7c6d5e4f3a2b1c0d9e8f";

let studio: Studio | null = null;
const servers: Server[] = [];
afterEach(async () => {
  studio?.cleanup();
  studio = null;
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      return closed;
    }),
  );
});

function start() {
  studio = tempStudio();
  return { studio, caller: createCaller(apiContext(studio)) };
}

const fields = {
  name: "local vLLM",
  baseUrl: "http://127.0.0.1:8000/v1/",
  model: "qwen",
  maxConcurrency: 8,
  requestTimeoutS: 60,
  inputPricePerM: null,
  outputPricePerM: 0.5,
};

/** An HTTP server on a free port of 127.0.0.1 answering with `handle`. */
async function serve(handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
}

/** Everything the API sent back, as the wire carries it. */
const wire = (value: unknown) => JSON.stringify(superjson.serialize(value));

describe("endpoints router", () => {
  it("creates, lists, updates and deletes endpoints in SQLite, saying only whether a key is set", async () => {
    const { studio, caller } = start();
    const created = await caller.endpoints.create({ ...fields, apiKey: KEY });
    expect(created).toMatchObject({ ...fields, baseUrl: "http://127.0.0.1:8000/v1", hasKey: true });
    expect(created.createdAt).toBeInstanceOf(Date);
    const plain = await caller.endpoints.create({ ...fields, name: "no key" });
    expect(plain.hasKey).toBe(false);
    expect((await caller.endpoints.list()).map((e) => [e.name, e.hasKey])).toEqual([
      ["no key", false],
      ["local vLLM", true],
    ]);

    // No apiKey in an update keeps the key the form never shows.
    const renamed = await caller.endpoints.update({ ...fields, id: created.id, name: "renamed", maxConcurrency: 2 });
    expect(renamed).toMatchObject({ name: "renamed", maxConcurrency: 2, hasKey: true });
    expect(JSON.parse(readFileSync(keyFilePath(studio.dir), "utf8"))).toEqual({ [created.id]: KEY });
    expect((await caller.endpoints.update({ ...fields, id: plain.id, apiKey: "sk-other" })).hasKey).toBe(true);
    expect((await caller.endpoints.update({ ...fields, id: created.id, name: "renamed", maxConcurrency: 2, clearKey: true })).hasKey).toBe(false);

    await caller.endpoints.delete({ id: plain.id });
    expect((await caller.endpoints.list()).map((e) => e.id)).toEqual([created.id]);
    expect(JSON.parse(readFileSync(keyFilePath(studio.dir), "utf8"))).toEqual({});
    const row = studio.db.$client.prepare("select * from endpoints where id = ?").get(created.id);
    expect(row).toMatchObject({ name: "renamed", base_url: "http://127.0.0.1:8000/v1", max_concurrency: 2, request_timeout_s: 60, input_price_per_m: null, output_price_per_m: 0.5 });
  });

  it("refuses bad input with sentences, and unknown or built-in endpoints by name", async () => {
    const { caller } = start();
    await expect(caller.endpoints.create({ ...fields, baseUrl: "ftp://host/v1" })).rejects.toThrow("the base URL must start with http:// or https://");
    await expect(caller.endpoints.create({ ...fields, baseUrl: "localhost 8000" })).rejects.toThrow("the base URL is not a URL (for example http://127.0.0.1:8000/v1)");
    await expect(caller.endpoints.create({ ...fields, baseUrl: `https://user:${KEY}@api.example.com/v1` })).rejects.toThrow(
      "the base URL must not hold a user name or password: put the key in the API key field",
    );
    await expect(caller.endpoints.create({ ...fields, maxConcurrency: 0, requestTimeoutS: 1.5 })).rejects.toThrow(
      /the maximum concurrency is at least 1.*the request timeout is a whole number of seconds/s,
    );
    await expect(caller.endpoints.create({ ...fields, name: " " })).rejects.toThrow("the endpoint's name is required");
    const created = await caller.endpoints.create({ ...fields, apiKey: KEY });
    await expect(caller.endpoints.update({ ...fields, id: created.id, apiKey: "sk-new", clearKey: true })).rejects.toThrow(
      "give a new API key or clear the key, not both",
    );
    await expect(caller.endpoints.delete({ id: "nope" })).rejects.toThrow("endpoint nope does not exist");
    await expect(caller.endpoints.delete({ id: "embedded" })).rejects.toThrow("the embedded endpoint is built in: it cannot be edited or deleted");
    await expect(caller.endpoints.test({ id: "nope" })).rejects.toThrow("endpoint nope does not exist");
  });

  it("says which failure a Test met: connection refused, a refused key, no answer in time", async () => {
    const { caller } = start();
    // A port that was free a moment ago: nothing listens there.
    const closed = await serve(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const refused = await caller.endpoints.create({ ...fields, baseUrl: closed });
    await expect(caller.endpoints.test({ id: refused.id })).rejects.toThrow(
      `Nothing is listening at ${new URL(closed).origin}: the connection was refused. Is the server running, and are the host and port right?`,
    );

    // Answers 401 to a wrong key, quoting it as some servers do.
    const guarded = await serve((req, res) => {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization?.slice(7)}` } }));
    });
    const wrongKey = await caller.endpoints.create({ ...fields, baseUrl: guarded, apiKey: KEY });
    const error = await caller.endpoints.test({ id: wrongKey.id }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`${guarded}/models refused the API key (401): check the key set for this endpoint.`);
    const noKey = await caller.endpoints.create({ ...fields, baseUrl: guarded });
    await expect(caller.endpoints.test({ id: noKey.id })).rejects.toThrow(`${guarded}/models answered 401: the server needs an API key, and this endpoint has none.`);

    // Accepts the connection and never answers.
    const stalled = await serve(() => undefined);
    const slow = await caller.endpoints.create({ ...fields, baseUrl: stalled, requestTimeoutS: 1 });
    await expect(caller.endpoints.test({ id: slow.id })).rejects.toThrow(
      `${stalled}/models did not answer within 1 s (the endpoint's request timeout): the server is busy, stalled or not there.`,
    );

    // A server error quoting the key: shown without it.
    const failing = await serve((req, res) => {
      if (req.url === "/v1/models") return res.end(JSON.stringify({ data: [{ id: "qwen" }] }));
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: `backend crashed handling key ${KEY}` }));
    });
    const crashing = await caller.endpoints.create({ ...fields, baseUrl: failing, apiKey: KEY });
    await expect(caller.endpoints.test({ id: crashing.id })).rejects.toThrow(`${failing}/chat/completions answered 500: backend crashed handling key [key].`);
  });

  it("never sends a key back: not in any response, not in SQLite", async () => {
    const { studio, caller } = start();
    const echo = await serve((req, res) => {
      const seen = req.headers.authorization ?? "";
      if (req.url === "/v1/models") return res.end(JSON.stringify({ data: [{ id: "qwen" }, { id: seen }] }));
      res.end(JSON.stringify({ choices: [{ message: { content: `you sent ${seen}` } }], usage: { completion_tokens: 3 } }));
    });
    const responses: unknown[] = [];
    const created = await caller.endpoints.create({ ...fields, baseUrl: echo, apiKey: KEY });
    responses.push(created, await caller.endpoints.list());
    responses.push(await caller.endpoints.update({ ...fields, baseUrl: echo, id: created.id, apiKey: `${KEY}-2` }));
    responses.push(await caller.endpoints.update({ ...fields, baseUrl: echo, id: created.id, apiKey: KEY }));
    const tested = await caller.endpoints.test({ id: created.id });
    responses.push(tested, await caller.endpoints.list(), await caller.endpoints.embedded());
    // The server did get it (Bearer), and echoed it in a model name and the reply.
    expect(tested.models[0]).toBe("qwen");
    expect(tested.reply).toBe("you sent Bearer [key]");
    expect(tested).toMatchObject({ modelListed: true, completionTokens: 3 });
    for (const response of responses) expect(wire(response)).not.toContain(KEY);

    studio.db.$client.pragma("wal_checkpoint(TRUNCATE)");
    for (const file of readdirSync(studio.dir).filter((f) => f.startsWith("studio.db"))) {
      expect(readFileSync(join(studio.dir, file)).includes(KEY)).toBe(false);
    }
  });
  it("gives a job the endpoint's key through its environment only", async () => {
    const { studio, caller } = start();
    const keyed = await caller.endpoints.create({ ...fields, apiKey: KEY });
    const connection = await connectEndpoint(studio.db, studio.dir, studio.embedded, keyed.id);
    expect(connection).toMatchObject({ baseUrl: "http://127.0.0.1:8000/v1", model: "qwen" });
    expect(endpointJobEnv(connection)).toEqual({ DISTILL_ENDPOINT_KEY: KEY });
    expect(connection).toMatchObject({ maxConcurrency: 8, requestTimeoutS: 60, inputPricePerM: null, outputPricePerM: 0.5 });
    const keyless = await caller.endpoints.create({ ...fields, name: "no key" });
    expect(endpointJobEnv(await connectEndpoint(studio.db, studio.dir, studio.embedded, keyless.id))).toEqual({});
  });
});
