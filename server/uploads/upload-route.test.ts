import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { datasetsRouter } from "~/server/api/routers/datasets";
import { openDb } from "~/db/client";
import { handleUpload } from "./upload-route";
import { JobManager } from "~/server/jobs/manager";
import { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { apiContext } from "~/test/support/studio";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "distill-upload-route-"));
  process.env.DISTILL_DATA_DIR = dir;
});
afterEach(() => {
  delete process.env.DISTILL_DATA_DIR;
  delete process.env.DISTILL_MAX_UPLOAD_MB;
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A request body arriving in chunks over time, given to Request as Next gives it under `next start`: the Node
 * request itself (an async iterable), which undici wraps in a ReadableStream that pulls from it.
 */
function body(bytes: number): Readable {
  return Readable.from((async function* () {
    for (let sent = 0; sent < bytes; sent += 16_384) {
      await new Promise((r) => setImmediate(r));
      yield Buffer.alloc(Math.min(16_384, bytes - sent), 0x61);
    }
  })());
}

const post = (name: string, bytes: number, headers: Record<string, string> = {}) =>
  handleUpload(
    new Request(`http://127.0.0.1/api/uploads?name=${encodeURIComponent(name)}`, { method: "POST", headers, body: body(bytes), duplex: "half" } as unknown as RequestInit),
  );

const uploads = () => readdirSync(join(dir, "uploads"));

describe("POST /api/uploads", () => {
  it("stores a file and answers its upload id", async () => {
    const response = await post("rows.jsonl", 1000);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ size: 1000, originalName: "rows.jsonl" });
  });

  it("refuses a file name over 255 characters before reading the body", async () => {
    const response = await post(`${"n".repeat(300)}.jsonl`, 1000);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "the file name is 306 characters long; at most 255 are accepted: rename the file and upload it again" });
  });

  it("answers 413 to a file just over the limit, keeping no part of it and throwing nothing later", async () => {
    process.env.DISTILL_MAX_UPLOAD_MB = "1";
    const response = await post("big.jsonl", 1024 * 1024 + 1);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "big.jsonl: the file is larger than the 1 MB upload limit" });
    expect(uploads()).toEqual([]);
    // An exception thrown by the request stream after the answer (cancelled mid-pull) would surface here.
    await new Promise((r) => setTimeout(r, 200));
  });

  it("answers 413 at once when the declared length is over the limit", async () => {
    process.env.DISTILL_MAX_UPLOAD_MB = "1";
    const response = await post("big.jsonl", 2 * 1024 * 1024, { "content-length": String(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "big.jsonl: the file is larger than the 1 MB upload limit" });
  });
});

describe("dataset inputs naming files", () => {
  it("refuses an original name over 255 characters with a sentence", async () => {
    const db = openDb(join(dir, "studio.db"));
    try {
      const caller = createCallerFactory(createTRPCRouter({ datasets: datasetsRouter }))(
        apiContext({ db, manager: new JobManager({ db, dataDir: dir, gpus: [] }), embedded: new EmbeddedServer({ repoRoot: process.cwd(), idleMs: 1 }) }),
      );
      const long = "n".repeat(20_000);
      await expect(caller.datasets.inspectUpload({ uploadId: "x.json", originalName: long })).rejects.toThrow(/a file name is at most 255 characters/);
      await expect(
        caller.datasets.import({ uploadId: "x.json", name: "x", originalName: long, format: "csv", mapping: {} }),
      ).rejects.toThrow(/a file name is at most 255 characters/);
      await expect(
        caller.datasets.import({ uploadId: "x.json", name: "x", format: "csv", mapping: { instruction: long } }),
      ).rejects.toThrow(/a column name is at most 255 characters/);
    } finally {
      db.$client.close();
    }
  });
});
