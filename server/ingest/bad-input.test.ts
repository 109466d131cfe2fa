import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestFormat } from "~/lib/contracts/job";
import { getRow, rejectedRows } from "~/server/datasets/rows";
import { IngestFileError } from "./errors";
import { importFile, tempStudio } from "~/test/support/import-file";

let studio: ReturnType<typeof tempStudio>;
beforeAll(() => {
  studio = tempStudio();
});
afterAll(() => studio.cleanup());

function write(name: string, content: string | Buffer): string {
  const path = join(studio.dir, name);
  writeFileSync(path, content);
  return path;
}

const good = (i: number) => JSON.stringify({ instruction: `task ${i}`, input: "", output: `done ${i}` });

/** Imports a file expected to fail as a whole; checks the message and that nothing of it is left. */
async function expectFileFailure(path: string, message: RegExp, format?: IngestFormat) {
  const before = studio.db.$client.prepare("SELECT count(*) FROM datasets").pluck().get() as number;
  const error = await importFile(studio.db, path, { format }).catch((e: Error) => e);
  expect(error).toBeInstanceOf(IngestFileError);
  expect((error as Error).message).toMatch(message);
  const created = studio.db.$client.prepare("SELECT count(*) FROM datasets").pluck().get() as number;
  if (created > before) {
    const last = studio.db.$client.prepare("SELECT id, status FROM datasets ORDER BY rowid DESC LIMIT 1").get() as { id: string; status: string };
    expect(last.status).toBe("failed");
    for (const table of ["dataset_rows", "rejected_rows"]) {
      expect(studio.db.$client.prepare(`SELECT count(*) FROM ${table} WHERE dataset_id = ?`).pluck().get(last.id)).toBe(0);
    }
  }
}

describe("whole-file failures leave nothing behind", () => {
  it("refuses an empty file", async () => {
    await expectFileFailure(write("empty.jsonl", ""), /empty/, "alpaca_jsonl");
    await expectFileFailure(write("blank.json", "  \n\n"), /empty/);
  });

  it("refuses a truncated JSON array, naming the element and line", async () => {
    const text = `[\n${good(1)},\n${good(2)},\n{"instruction": "cut`;
    await expectFileFailure(write("truncated.json", text), /truncated.*line 4.*element 3/);
  });

  it("refuses binary data named .json", async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    await expectFileFailure(write("image.json", bytes), /binary data \(a NUL byte at offset 8\)/);
  });

  it("refuses an object where the array of records is expected", async () => {
    await expectFileFailure(write("object.json", JSON.stringify({ data: [JSON.parse(good(1))] })), /expected a JSON array.*found an object/, "alpaca_json");
  });

  it("refuses a file that is not the format at all", async () => {
    const csv = Array.from({ length: 1500 }, (_, i) => `a${i},b${i}`).join("\n");
    await expectFileFailure(write("table.jsonl", csv), /none of the first 1000 records.*line 1: invalid JSON/, "alpaca_jsonl");
    await expectFileFailure(write("objects.jsonl", `${JSON.stringify({ foo: 1 })}\n`), /no row.*line 1: no instruction or conversation field.*foo/);
  });

  it("refuses invalid UTF-8 in a CSV, naming the byte offset and line", async () => {
    const bytes = Buffer.concat([Buffer.from("instruction,output\nhi,there\nbad,"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]);
    await expectFileFailure(write("latin.csv", bytes), /invalid UTF-8 at byte offset 32 \(line 3\)/);
  });

  it("refuses a file over the upload limit", async () => {
    process.env.DISTILL_MAX_UPLOAD_MB = "0.001";
    try {
      await expectFileFailure(write("big.jsonl", `${good(1)}\n`.repeat(40)), /over the 0 MB upload limit \(DISTILL_MAX_UPLOAD_MB\)/);
    } finally {
      delete process.env.DISTILL_MAX_UPLOAD_MB;
    }
  });
});

describe("row-level rejects keep the rest", () => {
  it("rejects a truncated last JSONL line and a line of invalid UTF-8, with line numbers and offsets", async () => {
    const lines = [good(1), good(2), '{"instruction": "x", "output": "y"'];
    const invalid = Buffer.concat([Buffer.from(`${good(3)}\n{"instruction": "caf`), Buffer.from([0xe9]), Buffer.from('", "output": "z"}\n')]);
    const path = write("mixed.jsonl", Buffer.concat([invalid, Buffer.from(lines.join("\n"))]));
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts).toEqual({ row_count: 3, rejected_count: 2, duplicate_count: 0 });
    const rejects = rejectedRows(studio.db, datasetId, { offset: 0, limit: 10 });
    expect(rejects.map((r) => r.sourceLine)).toEqual([2, 5]);
    expect(rejects[0].reason).toBe(`invalid UTF-8 at byte offset ${Buffer.byteLength(good(3)) + 1 + 20} of the file`);
    expect(rejects[1].reason).toMatch(/^truncated JSON/);
    expect(rejects[1].raw).toBe(lines[2]);
  });

  it("rejects wrong field types naming the field, and an object where messages should be an array", async () => {
    const path = write("types.jsonl", [
      good(1),
      JSON.stringify({ instruction: "count", output: 42 }),
      JSON.stringify({ messages: { role: "user", content: "hi" } }),
      JSON.stringify({ messages: [{ role: "user", content: "hi" }, { role: "robot", content: "beep" }] }),
      JSON.stringify({ conversations: [{ from: "human", value: 3 }] }),
      JSON.stringify([1, 2]),
    ].join("\n"));
    const { datasetId, counts } = await importFile(studio.db, path, { format: "alpaca_jsonl" });
    expect(counts.row_count).toBe(1);
    const reasons = rejectedRows(studio.db, datasetId, { offset: 0, limit: 10 }).map((r) => `${r.sourceLine}: ${r.reason}`);
    expect(reasons).toEqual([
      '2: field "output" must be a string, got number 42',
      '3: field "messages" must be an array of messages, got an object',
      '4: field "messages[1].role" must be one of "system", "user", "assistant", got "robot"',
      '5: field "conversations[0].value" (messages) must be a string, got number 3',
      "6: expected a JSON object, got an array",
    ]);
  });

  it("names the column the user mapped when its value has the wrong type", async () => {
    const path = write("mapped.jsonl", [JSON.stringify({ q: "a", a: "b" }), JSON.stringify({ q: "c", a: ["d"] })].join("\n"));
    const { datasetId } = await importFile(studio.db, path, { mapping: { instruction: "q", output: "a" } });
    expect(rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 })[0].reason).toBe('field "a" (output) must be a string, got an array');
  });

  it("rejects a 10 MB field with the per-field limit in the message", async () => {
    const huge = "x".repeat(10 * 1024 * 1024);
    const path = write("huge.jsonl", [good(1), JSON.stringify({ instruction: "long", output: huge })].join("\n"));
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts).toMatchObject({ row_count: 1, rejected_count: 1 });
    const [reject] = rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 });
    expect(reject.reason).toBe('field "output" is 10 MB, over the 1 MB per-field limit (DISTILL_MAX_FIELD_MB)');
    expect(reject.raw.length).toBeLessThanOrEqual(2000);
  });

  it("rejects elements of a JSON array on their own", async () => {
    const path = write("array.json", `[${good(1)}, {"instruction": 5}, ${good(2)}]`);
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts).toEqual({ row_count: 2, rejected_count: 1, duplicate_count: 0 });
    expect(rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 })[0]).toMatchObject({ sourceLine: 2, reason: 'field "instruction" must be a string, got number 5' });
  });
});

describe("accepted oddities", () => {
  it("strips a UTF-8 BOM and accepts CRLF line ends", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const jsonlPath = write("bom.jsonl", Buffer.concat([bom, Buffer.from(`${good(1)}\r\n${good(2)}\r\n`)]));
    const arrayPath = write("bom.json", Buffer.concat([bom, Buffer.from(`[\r\n${good(1)},\r\n${good(2)}\r\n]\r\n`)]));
    const csvPath = write("bom.csv", Buffer.concat([bom, Buffer.from("instruction,output\r\nhi,there\r\n")]));
    for (const path of [jsonlPath, arrayPath, csvPath]) {
      const { datasetId, counts } = await importFile(studio.db, path);
      expect(counts.rejected_count).toBe(0);
      expect(getRow(studio.db, datasetId, 0)!.messages[0].content).toMatch(/^(task 1|hi)$/);
    }
  });

  it("stores HTML and script in fields verbatim", async () => {
    const html = '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; <b>bold</b>';
    const path = write("html.jsonl", JSON.stringify({ instruction: html, input: "", output: `<iframe src="javascript:alert(1)"></iframe>` }));
    const { datasetId } = await importFile(studio.db, path);
    const row = getRow(studio.db, datasetId, 0)!;
    expect(row.prompt).toBe(html);
    expect(row.response).toBe(`<iframe src="javascript:alert(1)"></iframe>`);
  });
});
