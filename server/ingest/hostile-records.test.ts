import { writeFileSync } from "node:fs";
import { join } from "node:path";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRow, rejectedRows } from "~/server/datasets/rows";
import { detectColumns } from "./detect-columns";
import { IngestFileError } from "./errors";
import { importFile, tempStudio } from "~/test/support/import-file";

let studio: ReturnType<typeof tempStudio>;
beforeAll(() => {
  studio = tempStudio();
});
afterAll(() => studio.cleanup());

function write(name: string, content: string): string {
  const path = join(studio.dir, name);
  writeFileSync(path, content);
  return path;
}

const good = (i: number) => JSON.stringify({ instruction: `task ${i}`, input: "", output: `done ${i}` });
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("records nested too deep", () => {
  it("rejects a JSONL record nested 100,000 levels deep with its line and imports the rest", async () => {
    const deep = `{"instruction": "deep", "output": "x", "meta": ${nested(100_000)}}`;
    const path = write("deep.jsonl", [good(1), deep, good(2)].join("\n"));
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts).toEqual({ row_count: 2, rejected_count: 1, duplicate_count: 0 });
    const [reject] = rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 });
    expect(reject).toMatchObject({ sourceLine: 2, reason: expect.stringMatching(/nested more than 1000 levels deep/) });
  });

  it("rejects an array element 20,000 levels deep after 50,000 good ones", async () => {
    const elements = Array.from({ length: 50_000 }, (_, i) => good(i));
    elements.push(`{"instruction": ${nested(20_000).replace("[]", '["x"]')}}`, good(50_001));
    const { datasetId, counts } = await importFile(studio.db, write("deep.json", `[${elements.join(",\n")}]`));
    expect(counts).toMatchObject({ row_count: 50_001, rejected_count: 1 });
    const [reject] = rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 });
    expect(reject).toMatchObject({ sourceLine: 50_001, reason: expect.stringMatching(/nested more than 1000 levels deep/) });
  });
});

describe("a CSV quote never closed", () => {
  it("fails the import naming the row and line, instead of folding the rest into one reject", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => (i === 2 ? `"oops,answer ${i}` : `question ${i},answer ${i}`));
    const error = await importFile(studio.db, write("quote.csv", `instruction,output\n${rows.join("\n")}\n`)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(IngestFileError);
    expect((error as Error).message).toMatch(/row 3 \(line 4\).*quote.*never closed/);
  });
});

describe("lone surrogates", () => {
  it("rejects a field holding an unpaired \\ud800 escape, with its line, rather than store U+FFFD", async () => {
    const lone = '{"instruction": "broken \\ud800 text", "output": "x"}';
    const paired = '{"instruction": "emoji \\ud83d\\ude00", "output": "y"}';
    const { datasetId, counts } = await importFile(studio.db, write("surrogate.jsonl", [good(1), lone, paired].join("\n")));
    expect(counts).toMatchObject({ row_count: 2, rejected_count: 1 });
    const [reject] = rejectedRows(studio.db, datasetId, { offset: 0, limit: 1 });
    expect(reject).toMatchObject({ sourceLine: 2, reason: 'field "instruction" holds a lone UTF-16 surrogate (\\ud800 at character 7), which is not text' });
    expect(getRow(studio.db, datasetId, 1)!.prompt).toBe("emoji \u{1f600}");
  });
});

describe("inspecting an upload with hostile keys", () => {
  /** What the tRPC route sends: superjson refuses objects with keys that could pollute prototypes. */
  const overTheWire = async (path: string, name: string) => superjson.parse<Awaited<ReturnType<typeof detectColumns>>>(superjson.stringify(await detectColumns(path, name)));

  it("answers for __proto__, constructor and duplicate keys in JSON", async () => {
    const path = write("keys.jsonl", '{"__proto__": {"polluted": 1}, "constructor": "c", "instruction": "a", "instruction": "b", "output": "o"}\n');
    const detected = await overTheWire(path, "keys.jsonl");
    expect(detected.columns).toEqual(["__proto__", "constructor", "instruction", "output"]);
    expect(detected.mapping).toEqual({ instruction: "instruction", output: "output" });
    expect(detected.sample).toEqual([['{"polluted":1}', "c", "b", "o"]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers for such CSV headers, keeping every column", async () => {
    const detected = await overTheWire(write("keys.csv", "__proto__,constructor,instruction,instruction\np,c,a,b\n"), "keys.csv");
    expect(detected.columns).toEqual(["__proto__", "constructor", "instruction", "instruction_1"]);
    expect(detected.sample).toEqual([["p", "c", "a", "b"]]);
  });

  it("imports a CSV whose instruction column is named __proto__", async () => {
    const path = write("proto.csv", "__proto__,output\nquestion,answer\n");
    const { datasetId, counts } = await importFile(studio.db, path, { mapping: { instruction: "__proto__" } });
    expect(counts.row_count).toBe(1);
    expect(getRow(studio.db, datasetId, 0)!.prompt).toBe("question");
  });
});
