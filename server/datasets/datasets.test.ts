import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFile, sharedDataset, tempStudio } from "~/test/support/import-file";
import { deleteDataset, getDataset, listDatasets, renameDataset } from "./catalog";
import { exportJsonl, exportRejectedJsonl, type ExportForm } from "./export";
import { lengthHistogram } from "./histogram";
import { getRow, originCounts, rejectedRows, rowsPage } from "./rows";
import { SNIPPET_CLOSE, SNIPPET_OPEN, searchRows, toFtsQuery } from "./search";

let studio: ReturnType<typeof tempStudio>;
let alpacaId: string;
beforeAll(async () => {
  studio = tempStudio();
  alpacaId = (await importFile(studio.db, sharedDataset("alpaca_en_demo.json"))).datasetId;
});
afterAll(() => studio.cleanup());

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const line of lines) text += line;
  return text;
}

/** Everything an import derives from a row; ids and positions aside, a round trip must keep all of it. */
function rowContents(datasetId: string, count: number) {
  return Array.from({ length: count }, (_, idx) => {
    const { messages, source, prompt, response, turns, promptLength, responseLength, contentHash, isDuplicate } = getRow(studio.db, datasetId, idx)!;
    return { messages, source, prompt, response, turns, promptLength, responseLength, contentHash, isDuplicate };
  });
}

async function reimport(datasetId: string, form: ExportForm) {
  const path = join(studio.dir, `${datasetId}.${form}.jsonl`);
  writeFileSync(path, await collect(exportJsonl(studio.db, datasetId, form)));
  return importFile(studio.db, path);
}

describe("export and re-import", () => {
  it("round-trips alpaca_en_demo.json through the Alpaca export byte for byte in its fields", async () => {
    const again = await reimport(alpacaId, "alpaca");
    expect(again.counts).toMatchObject({ row_count: 999, duplicate_count: 14 });
    expect(rowContents(again.datasetId, 999)).toEqual(rowContents(alpacaId, 999));
    const firstLine = (await exportJsonl(studio.db, alpacaId, "alpaca").next()).value!;
    const original = (await import("node:fs")).readFileSync(sharedDataset("alpaca_en_demo.json"), "utf8");
    expect(JSON.parse(firstLine)).toEqual(JSON.parse(original)[0]);
  });

  it("round-trips conversations (MT-Bench) through the messages export in TRL's form", async () => {
    const mt = await importFile(studio.db, sharedDataset("mt_bench_questions.jsonl"));
    const first = JSON.parse((await exportJsonl(studio.db, mt.datasetId, "messages").next()).value!);
    expect(Object.keys(first)).toEqual(["messages"]);
    const again = await reimport(mt.datasetId, "messages");
    expect(rowContents(again.datasetId, 80)).toEqual(rowContents(mt.datasetId, 80));
  });

  it("exports conversations in Alpaca form with earlier turns as history", async () => {
    const path = join(studio.dir, "chat.jsonl");
    writeFileSync(path, JSON.stringify({ messages: [
      { role: "system", content: "S" }, { role: "user", content: "Q1" }, { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" }, { role: "assistant", content: "A2" },
    ] }));
    const { datasetId } = await importFile(studio.db, path);
    const line = JSON.parse((await exportJsonl(studio.db, datasetId, "alpaca").next()).value!);
    expect(line).toEqual({ instruction: "Q2", input: "", output: "A2", system: "S", history: [["Q1", "A1"]] });
    const again = await reimport(datasetId, "alpaca");
    expect(rowContents(again.datasetId, 1)[0].messages).toEqual(rowContents(datasetId, 1)[0].messages);
  });

  it("gives back the Alpaca fields of rows with an input exactly, without storing their text twice; reads old JSON sources", async () => {
    const records = [
      { instruction: "Translate", input: "bonjour", output: "hello" },
      { instruction: "Line one\nline two", input: "in\nput\n", output: "" },
      { instruction: "Say", input: "only input", output: "A", system: "Be brief." },
      { instruction: "Q ✓ 😀", input: "é", output: "A", system: "S", history: [["q1", "a1"], ["q2", ""]] },
      { instruction: "Q", input: "x", output: "A", system: "" },
      { instruction: "Q", input: "", output: "A", system: "S" },
    ];
    const path = join(studio.dir, "inputs.jsonl");
    writeFileSync(path, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const { datasetId } = await importFile(studio.db, path);
    const sources = studio.db.$client.prepare("SELECT source FROM dataset_rows WHERE dataset_id = ? ORDER BY idx").pluck().all(datasetId);
    expect(sources.slice(0, 4)).toEqual(["9", "17", "3", "6"]);
    expect(sources[4]).toBe(JSON.stringify(records[4]));
    expect(sources[5]).toBeNull();
    const exported: string[] = [];
    for await (const line of exportJsonl(studio.db, datasetId, "alpaca")) exported.push(line);
    expect(exported).toEqual(records.map((r) => `${JSON.stringify(r)}\n`));
    expect(getRow(studio.db, datasetId, 3)!.source).toEqual(records[3]);
    // A row imported by earlier code keeps its fields as JSON in `source`; both readers still take it.
    studio.db.$client.prepare("UPDATE dataset_rows SET source = ? WHERE dataset_id = ? AND idx = 0").run(JSON.stringify(records[0]), datasetId);
    expect(getRow(studio.db, datasetId, 0)!.source).toEqual(records[0]);
    expect((await exportJsonl(studio.db, datasetId, "alpaca").next()).value).toBe(`${JSON.stringify(records[0])}\n`);
  });
});

describe("queries", () => {
  it("lists, gets, renames and deletes datasets with everything they hold", async () => {
    const { datasetId } = await importFile(studio.db, sharedDataset("vicuna_bench_questions.jsonl"));
    expect(listDatasets(studio.db).map((d) => d.id)).toContain(datasetId);
    expect(getDataset(studio.db, datasetId)).toMatchObject({ status: "ready", rowCount: 80, error: null });
    expect(renameDataset(studio.db, datasetId, "  Vicuna bench ").name).toBe("Vicuna bench");
    expect(() => renameDataset(studio.db, datasetId, " ")).toThrow(/cannot be empty/);
    deleteDataset(studio.db, datasetId);
    expect(() => getDataset(studio.db, datasetId)).toThrow(/does not exist/);
    const left = studio.db.$client.prepare("SELECT count(*) FROM dataset_rows WHERE dataset_id = ?").pluck().get(datasetId);
    expect(left).toBe(0);
    expect((await searchRows(studio.db, datasetId, "time management", { offset: 0, limit: 5 })).total).toBe(0);
    const ftsRows = studio.db.$client.prepare("SELECT count(*) FROM dataset_rows_fts WHERE dataset_rows_fts MATCH 'management'").pluck().get();
    expect(ftsRows).toBe(studio.db.$client.prepare("SELECT count(*) FROM dataset_rows WHERE prompt LIKE '%management%' OR response LIKE '%management%'").pluck().get());
  });

  it("keeps the full-text index consistent: imports index in batches, other inserts by trigger, deletes by trigger", async () => {
    const sqlite = studio.db.$client;
    sqlite.prepare(
      `INSERT INTO dataset_rows (dataset_id, idx, source_line, messages, prompt, response, turns, prompt_length, response_length, content_hash)
       VALUES (?, 999, 1000, '[]', 'zyzzyva question', 'zyzzyva answer', 1, 16, 14, 'x')`,
    ).run(alpacaId);
    expect((await searchRows(studio.db, alpacaId, "zyzzyva", { offset: 0, limit: 5 })).hits.map((h) => h.idx)).toEqual([999]);
    sqlite.prepare("DELETE FROM dataset_rows WHERE dataset_id = ? AND idx = 999").run(alpacaId);
    expect((await searchRows(studio.db, alpacaId, "zyzzyva", { offset: 0, limit: 5 })).total).toBe(0);
    expect(() => sqlite.prepare("INSERT INTO dataset_rows_fts(dataset_rows_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
  });

  it("pages rows by position and fetches whole rows", () => {
    const page = rowsPage(studio.db, alpacaId, { offset: 990, limit: 50 });
    expect(page.map((r) => r.idx)).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998]);
    expect(page[0].prompt.length).toBeLessThanOrEqual(300);
    expect(getRow(studio.db, alpacaId, 999)).toBeUndefined();
  });

  it("searches in one dataset with snippets, a total, paging, and user text taken literally", async () => {
    const result = await searchRows(studio.db, alpacaId, "crepes", { offset: 0, limit: 10 });
    expect(result.total).toBeGreaterThan(0);
    expect(result.hits[0].idx).toBe(0);
    expect(result.hits[0].promptSnippet).toContain(`${SNIPPET_OPEN}crepes${SNIPPET_CLOSE}`);
    const all = await searchRows(studio.db, alpacaId, "the", { offset: 0, limit: 500 });
    const second = await searchRows(studio.db, alpacaId, "the", { offset: 5, limit: 5 });
    expect(second.hits.map((h) => h.idx)).toEqual(all.hits.slice(5, 10).map((h) => h.idx));
    for (const text of ['"unbalanced', "NEAR(a b)", "prompt:x OR", "*", "a AND", "-"]) {
      await expect(searchRows(studio.db, alpacaId, text, { offset: 0, limit: 5 })).resolves.toBeDefined();
    }
    expect(toFtsQuery(' say "hi" ')).toBe('"say" """hi"""');
    expect(await searchRows(studio.db, alpacaId, "   ", { offset: 0, limit: 5 })).toEqual({ total: 0, totalCapped: false, hits: [] });
  });

  it("pages, counts and searches the rows of one origin", async () => {
    const { datasetId } = await importFile(studio.db, sharedDataset("alpaca_en_demo.json"), { name: "mixed origins" });
    // As if generated: rows 3, 10 and 500 rewritten, row 7 a teacher's answer.
    const setOrigin = studio.db.$client.prepare("update dataset_rows set origin = ? where dataset_id = ? and idx = ?");
    for (const idx of [3, 10, 500]) setOrigin.run("rewritten", datasetId, idx);
    setOrigin.run("teacher_answer", datasetId, 7);
    expect(originCounts(studio.db, datasetId)).toEqual({ counts: { original: 995, teacher_answer: 1, expanded: 0, rewritten: 3 }, withAnswers: 999 });
    expect(rowsPage(studio.db, datasetId, { offset: 0, limit: 10 }, "rewritten").map((r) => [r.idx, r.origin])).toEqual([[3, "rewritten"], [10, "rewritten"], [500, "rewritten"]]);
    expect(rowsPage(studio.db, datasetId, { offset: 1, limit: 1 }, "rewritten").map((r) => r.idx)).toEqual([10]);
    expect(rowsPage(studio.db, datasetId, { offset: 0, limit: 10 }, "expanded")).toEqual([]);
    const all = await searchRows(studio.db, datasetId, "the", { offset: 0, limit: 500 });
    const rewritten = await searchRows(studio.db, datasetId, "the", { offset: 0, limit: 500 }, "rewritten");
    expect(rewritten.hits.map((h) => h.idx)).toEqual(all.hits.map((h) => h.idx).filter((idx) => [3, 10, 500].includes(idx)));
    expect(rewritten.total).toBe(rewritten.hits.length);
  });

  it("bins prompt and response lengths over every row", () => {
    const hist = lengthHistogram(studio.db, alpacaId, "response", 20);
    expect(hist.unit).toBe("chars");
    expect(hist.bins).toHaveLength(20);
    expect(hist.bins.reduce((n, b) => n + b.count, 0)).toBe(999);
    const lengths = studio.db.$client.prepare("SELECT min(response_length) AS min, max(response_length) AS max FROM dataset_rows WHERE dataset_id = ?").get(alpacaId);
    expect({ min: hist.min, max: hist.max }).toEqual(lengths);
    expect(hist.bins[0].start).toBe(hist.min);
  });

  it("recounts the histogram after lengths are rewritten (token counts)", async () => {
    const { datasetId } = await importFile(studio.db, sharedDataset("vicuna_bench_questions.jsonl"));
    expect(lengthHistogram(studio.db, datasetId, "prompt", 10).max).toBeLessThan(100_000);
    studio.db.$client.prepare("UPDATE dataset_rows SET prompt_length = 123456 WHERE dataset_id = ? AND idx = 3").run(datasetId);
    const hist = lengthHistogram(studio.db, datasetId, "prompt", 10);
    expect(hist.max).toBe(123456);
    expect(hist.bins.reduce((n, b) => n + b.count, 0)).toBe(80);
    expect(lengthHistogram(studio.db, datasetId, "prompt", 10)).toEqual(hist);
  });

  it("lists and exports rejected rows in file order", async () => {
    const path = join(studio.dir, "some-bad.jsonl");
    writeFileSync(path, ['{"instruction":"a","output":"b"}', "not json", '{"instruction":1}'].join("\n"));
    const { datasetId } = await importFile(studio.db, path);
    expect(rejectedRows(studio.db, datasetId, { offset: 0, limit: 10 }).map((r) => r.sourceLine)).toEqual([2, 3]);
    const lines = (await collect(exportRejectedJsonl(studio.db, datasetId))).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ line: 2, raw: "not json" }, { line: 3, reason: 'field "instruction" must be a string, got number 1' }]);
  });
});
