import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { asyncBufferFromFile } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectColumns } from "./detect-columns";
import { readParquetHead } from "./read-parquet";
import { getRow, rejectedRows } from "~/server/datasets/rows";
import { importFile, sharedDataset, tempStudio } from "~/test/support/import-file";

let studio: ReturnType<typeof tempStudio>;
beforeAll(() => {
  studio = tempStudio();
});
afterAll(() => studio.cleanup());

function write(name: string, text: string): string {
  const path = join(studio.dir, name);
  writeFileSync(path, text);
  return path;
}

function jsonl(records: unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

describe("real datasets", () => {
  it("imports alpaca_en_demo.json: 999 rows, exact duplicates marked, Alpaca fields kept", async () => {
    const path = sharedDataset("alpaca_en_demo.json");
    const records = JSON.parse(readFileSync(path, "utf8")) as { instruction: string; input: string; output: string }[];
    const { datasetId, format, counts } = await importFile(studio.db, path);
    expect(format).toBe("alpaca_json");
    const distinct = new Set(records.map((r) => JSON.stringify([r.instruction, r.input, r.output]))).size;
    expect(counts).toEqual({ row_count: 999, rejected_count: 0, duplicate_count: 999 - distinct });

    const withInput = records.findIndex((r) => r.input !== "");
    const row = getRow(studio.db, datasetId, withInput)!;
    expect(row.source).toEqual(records[withInput]);
    expect(row.messages).toEqual([
      { role: "user", content: `${records[withInput].instruction}\n${records[withInput].input}` },
      { role: "assistant", content: records[withInput].output },
    ]);
    expect(row.prompt).toBe(`${records[withInput].instruction}\n${records[withInput].input}`);
    expect(row.promptLength).toBe(row.prompt.length);
    expect(row.sourceLine).toBe(withInput + 1);
    // Every row is one exchange: its text is stored once, in prompt and response, not again as messages.
    const stored = studio.db.$client.prepare("SELECT count(*) FROM dataset_rows WHERE dataset_id = ? AND messages = ''").pluck().get(datasetId);
    expect(stored).toBe(999);
    const dataset = studio.db.$client.prepare("SELECT status, row_count FROM datasets WHERE id = ?").get(datasetId);
    expect(dataset).toEqual({ status: "ready", row_count: 999 });
  });

  for (const name of ["self_instruct_seed_tasks.jsonl", "self_instruct_user_oriented.jsonl"]) {
    it(`imports ${name} with one row per instance`, async () => {
      const path = sharedDataset(name);
      const tasks = readJsonl(path) as { instruction: string; instances: { input: string; output: string }[] }[];
      const { datasetId, format, counts } = await importFile(studio.db, path);
      expect(format).toBe("alpaca_jsonl");
      expect(counts.row_count).toBe(tasks.reduce((n, t) => n + t.instances.length, 0));
      expect(counts.rejected_count).toBe(0);
      const last = tasks.at(-1)!;
      const row = getRow(studio.db, datasetId, counts.row_count - 1)!;
      const instance = last.instances.at(-1)!;
      const user = instance.input ? `${last.instruction}\n${instance.input}` : last.instruction;
      expect(row.messages).toEqual([{ role: "user", content: user }, { role: "assistant", content: instance.output }]);
      expect(row.sourceLine).toBe(tasks.length);
    });
  }

  it("imports mt_bench_questions.jsonl as two-turn conversations, references as answers, others prompt-only", async () => {
    const path = sharedDataset("mt_bench_questions.jsonl");
    const questions = readJsonl(path) as { turns: string[]; reference?: string[] }[];
    const { datasetId, format, counts } = await importFile(studio.db, path);
    expect(format).toBe("messages_jsonl");
    expect(counts).toEqual({ row_count: 80, rejected_count: 0, duplicate_count: 0 });
    const plain = questions.findIndex((q) => !q.reference);
    const row = getRow(studio.db, datasetId, plain)!;
    expect(row.turns).toBe(2);
    expect(row.messages).toEqual(questions[plain].turns.map((content) => ({ role: "user", content })));
    expect(row.response).toBe("");
    expect(row.prompt).toBe(questions[plain].turns.join("\n\n"));
    const withReference = questions.findIndex((q) => q.reference);
    const answered = getRow(studio.db, datasetId, withReference)!;
    expect(answered.turns).toBe(2);
    expect(answered.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(answered.response).toBe(questions[withReference].reference!.join("\n\n"));
  });
});

describe("positions in a JSON array", () => {
  it("keeps each element's number and the line it starts on, for rows and rejected records alike", async () => {
    // Pretty-printed, as many JSON array files are: element numbers and lines part ways at once.
    const records = [{ instruction: "a", output: "A" }, { output: "B" }, { instruction: "c", output: "C" }];
    const text = JSON.stringify(records, null, 2);
    const path = write("pretty.json", text);
    const starts = [...text.split("\n").entries()].filter(([, l]) => l === "  {").map(([i]) => i + 1);
    expect(starts).toHaveLength(3);
    const { datasetId, format } = await importFile(studio.db, path);
    expect(format).toBe("alpaca_json");
    expect(getRow(studio.db, datasetId, 1)).toMatchObject({ sourceLine: 3, startLine: starts[2] });
    expect(rejectedRows(studio.db, datasetId, { offset: 0, limit: 10 })).toMatchObject([{ sourceLine: 2, startLine: starts[1] }]);
    expect(starts[2]).not.toBe(3);
  });
});

describe("conversation forms", () => {
  it("reads ShareGPT conversations and OpenAI messages (with text parts) alike", async () => {
    const sharegpt = write("sharegpt.jsonl", jsonl([
      { conversations: [{ from: "system", value: "Be brief." }, { from: "human", value: "Hi" }, { from: "gpt", value: "Hello" }, { from: "human", value: "Bye" }, { from: "gpt", value: "Ciao" }] },
    ]));
    const openai = write("openai.jsonl", jsonl([
      { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: [{ type: "text", text: "Hi" }] }, { role: "assistant", content: "Hello" }, { role: "user", content: "Bye" }, { role: "assistant", content: "Ciao" }] },
    ]));
    const a = await importFile(studio.db, sharegpt);
    const b = await importFile(studio.db, openai);
    expect(a.format).toBe("messages_jsonl");
    const rowA = getRow(studio.db, a.datasetId, 0)!;
    const rowB = getRow(studio.db, b.datasetId, 0)!;
    expect(rowA.messages).toEqual(rowB.messages);
    expect(rowA.contentHash).toBe(rowB.contentHash);
    expect(rowA).toMatchObject({ turns: 2, prompt: "Hi\n\nBye", response: "Hello\n\nCiao", source: null });
  });

  it("stores a single exchange's text once and gives the same conversation back; anything else keeps its JSON", async () => {
    const conversations = [
      [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }],
      [{ role: "user", content: "prompt only" }],
      [{ role: "user", content: "Q" }, { role: "assistant", content: "" }],
      [{ role: "system", content: "S" }, { role: "user", content: "Q" }, { role: "assistant", content: "A" }],
      [{ role: "assistant", content: "A" }, { role: "user", content: "Q" }],
    ];
    const { datasetId } = await importFile(studio.db, write("exchanges.jsonl", jsonl(conversations.map((messages) => ({ messages })))));
    const raw = studio.db.$client.prepare("SELECT messages FROM dataset_rows WHERE dataset_id = ? ORDER BY idx").pluck().all(datasetId);
    expect(raw.map((m) => m === "")).toEqual([true, true, false, false, false]);
    conversations.forEach((messages, idx) => expect(getRow(studio.db, datasetId, idx)!.messages).toEqual(messages));
  });

  it("marks a conversation seen before as a duplicate, single exchanges and longer ones, in any form", async () => {
    const records = [
      { messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }] },
      { messages: [{ role: "system", content: "S" }, { role: "user", content: "Q" }, { role: "assistant", content: "A" }] },
      { conversations: [{ from: "human", value: "Q" }, { from: "gpt", value: "A" }] },
      { conversations: [{ from: "system", value: "S" }, { from: "human", value: "Q" }, { from: "gpt", value: "A" }] },
      { messages: [{ role: "assistant", content: "Q" }, { role: "user", content: "A" }] },
      { messages: [{ role: "user", content: "QA" }] },
    ];
    const { datasetId, counts } = await importFile(studio.db, write("repeats.jsonl", jsonl(records)));
    expect(counts).toMatchObject({ row_count: 6, duplicate_count: 2 });
    const flags = studio.db.$client.prepare("SELECT is_duplicate FROM dataset_rows WHERE dataset_id = ? ORDER BY idx").pluck().all(datasetId);
    expect(flags).toEqual([0, 0, 1, 1, 0, 0]);
  });
});

describe("CSV and Parquet", () => {
  it("streams a CSV with aliased columns, quoted newlines and a remapped column", async () => {
    const path = write("qa.csv", 'question,answer,notes\n"What is 2+2?","4",x\n"Line one\nline two","Multi\r\nline","y"\n');
    const detected = await detectColumns(path, "qa.csv");
    expect(detected).toMatchObject({ format: "csv", columns: ["question", "answer", "notes"], mapping: { instruction: "question", output: "answer" } });
    expect(detected.sample).toHaveLength(2);
    const { datasetId, counts } = await importFile(studio.db, path, { mapping: { input: "notes" } });
    expect(counts.row_count).toBe(2);
    expect(getRow(studio.db, datasetId, 1)!.messages).toEqual([
      { role: "user", content: "Line one\nline two\ny" },
      { role: "assistant", content: "Multi\r\nline" },
    ]);
  });

  it("reads Parquet by row groups", async () => {
    const path = join(studio.dir, "rows.parquet");
    const n = 2500;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "prompt", data: Array.from({ length: n }, (_, i) => `question ${i}`) },
        { name: "completion", data: Array.from({ length: n }, (_, i) => `answer ${i}`) },
        { name: "id", data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) },
      ],
      rowGroupSize: 1000,
    });
    const detected = await detectColumns(path, "rows.parquet");
    expect(detected).toMatchObject({ format: "parquet", mapping: { instruction: "prompt", output: "completion" } });
    expect(detected).toMatchObject({ columns: ["prompt", "completion", "id"] });
    expect(detected.sample[0]).toEqual(["question 0", "answer 0", "0"]);
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts.row_count).toBe(n);
    expect(getRow(studio.db, datasetId, n - 1)!).toMatchObject({ prompt: `question ${n - 1}`, response: `answer ${n - 1}`, sourceLine: n });
  });
});

describe("previewing Parquet", () => {
  it("reads the footer and the start of the first row group only, however large the group", async () => {
    const path = join(studio.dir, "one-group.parquet");
    const n = 16_000;
    // Random text does not compress: the single row group is ~18 MB.
    const noise = (i: number) => `${i} ${randomBytes(300).toString("hex")}`;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "instruction", data: Array.from({ length: n }, (_, i) => noise(i)) },
        { name: "output", data: Array.from({ length: n }, (_, i) => noise(i)) },
      ],
      rowGroupSize: n,
    });
    const file = await asyncBufferFromFile(path);
    let bytesRead = 0;
    const counted = { byteLength: file.byteLength, slice: async (start: number, end?: number) => {
      const buf = await file.slice(start, end);
      bytesRead += buf.byteLength;
      return buf;
    } };
    const seen: unknown[] = [];
    await readParquetHead(counted, { record: (_at, value) => seen.push(value), reject: () => {} }, 20);
    expect(seen).toHaveLength(20);
    expect((seen[19] as { instruction: string }).instruction).toMatch(/^19 /);
    expect(file.byteLength).toBeGreaterThan(17 << 20);
    expect(bytesRead).toBeLessThan(10 << 20);
  });
});

describe("detectColumns", () => {
  it("suggests the mapping from the first records of each real file", async () => {
    expect(await detectColumns(sharedDataset("alpaca_en_demo.json"), "alpaca_en_demo.json")).toMatchObject({
      format: "alpaca_json",
      columns: ["instruction", "input", "output"],
      mapping: { instruction: "instruction", input: "input", output: "output" },
    });
    const mt = await detectColumns(sharedDataset("mt_bench_questions.jsonl"), "mt_bench_questions.jsonl");
    expect(mt).toMatchObject({ format: "messages_jsonl", mapping: { messages: "turns" } });
    expect(mt.sample).toHaveLength(20);
  });

  it("honours a forced format", async () => {
    const detected = await detectColumns(sharedDataset("vicuna_bench_questions.jsonl"), "v.jsonl", "messages_jsonl");
    expect(detected.format).toBe("messages_jsonl");
  });
});
