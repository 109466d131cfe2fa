import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { datasetRows, datasets } from "~/db/schema";
import { splitRows, usableRowIds, writeSplitFiles } from "./dataset-split";

const ids = Array.from({ length: 100 }, (_, i) => i + 1);

describe("splitRows", () => {
  it("holds out evalSize rows, disjoint from training, the same for the same seed", () => {
    const a = splitRows(ids, { evalSize: 10, trainSamples: null, seed: 3 });
    expect(a.evalIds).toHaveLength(10);
    expect(a.trainIds).toHaveLength(90);
    expect(new Set([...a.evalIds, ...a.trainIds]).size).toBe(100);
    expect(splitRows(ids, { evalSize: 10, trainSamples: null, seed: 3 })).toEqual(a);
    expect(splitRows(ids, { evalSize: 10, trainSamples: null, seed: 4 }).evalIds).not.toEqual(a.evalIds);
  });

  it("limits training to trainSamples rows", () => {
    const s = splitRows(ids, { evalSize: 5, trainSamples: 20, seed: 1 });
    expect(s.trainIds).toHaveLength(20);
    expect(s.trainIds.some((id) => s.evalIds.includes(id))).toBe(false);
  });

  it("refuses an eval split that leaves nothing to train on, naming both sizes", () => {
    expect(() => splitRows(ids, { evalSize: 100, trainSamples: null, seed: 1 })).toThrow(/eval split \(100 rows\).*100 usable rows/);
  });
});

describe("writeSplitFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "split-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes {id, messages} lines of the split's rows and skips duplicate copies", async () => {
    const db = openDb(join(dir, "studio.db"));
    db.insert(datasets).values({ id: "d1", name: "d", status: "ready", originalName: "d.json", format: "alpaca_json" }).run();
    const rows = Array.from({ length: 2500 }, (_, idx) => ({
      datasetId: "d1",
      idx,
      sourceLine: idx + 1,
      messages: JSON.stringify([{ role: "user", content: `q${idx}` }, { role: "assistant", content: `a${idx}` }]),
      prompt: `q${idx}`,
      response: `a${idx}`,
      turns: 1,
      promptLength: 2,
      responseLength: 2,
      contentHash: `h${idx}`,
      isDuplicate: idx === 7,
    }));
    for (let i = 0; i < rows.length; i += 500) db.insert(datasetRows).values(rows.slice(i, i + 500)).run();
    const usable = usableRowIds(db, "d1");
    expect(usable).toHaveLength(2499);
    const split = splitRows(usable, { evalSize: 30, trainSamples: 2000, seed: 10 });
    const counts = await writeSplitFiles(db, "d1", split, join(dir, "run"));
    expect(counts).toEqual({ train: 2000, eval: 30 });
    const train = readFileSync(join(dir, "run", "data", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(train.map((r) => r.id)).toEqual(split.trainIds.map(String));
    expect(train[0].messages[0].role).toBe("user");
    const evalLines = readFileSync(join(dir, "run", "data", "eval.jsonl"), "utf8").trim().split("\n");
    expect(evalLines).toHaveLength(30);
    db.$client.close();
  });

  it("names a dataset that does not exist", () => {
    const db = openDb(join(dir, "other.db"));
    expect(() => usableRowIds(db, "nope")).toThrow("dataset nope does not exist");
    db.$client.close();
  });
});
