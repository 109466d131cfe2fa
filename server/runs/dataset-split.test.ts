import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "~/db/client";
import { splitRows } from "~/lib/planning/run-split";
import { rowLines, usableRowIds } from "./dataset-split";
import { seedDataset } from "~/test/support/seed-dataset";

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

describe("rowLines", () => {
  const dir = mkdtempSync(join(tmpdir(), "split-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes {id, messages} lines of the split's rows and skips duplicate copies", async () => {
    const db = openDb(join(dir, "studio.db"));
    seedDataset(db, "d1", 2500, [7]);
    const usable = usableRowIds(db, "d1");
    expect(usable).toHaveLength(2499);
    const split = splitRows(usable, { evalSize: 30, trainSamples: 2000, seed: 10 });
    const collect = async (ids: number[]) => {
      let text = "";
      for await (const chunk of rowLines(db, "d1", ids)) text += chunk;
      return text.trim().split("\n").map((l) => JSON.parse(l));
    };
    const train = await collect(split.trainIds);
    expect(train.map((r) => r.id)).toEqual(split.trainIds.map(String));
    const idx = Number(train[0].messages[0].content.slice(1));
    expect(train[0].messages).toEqual([{ role: "user", content: `q${idx}` }, { role: "assistant", content: `a${idx}` }]);
    expect(await collect(split.evalIds)).toHaveLength(30);
    expect(await collect([usable[0]!, 8])).toHaveLength(1); // row id 8 is the duplicate copy (idx 7)
    db.$client.close();
  });

  it("names a dataset that does not exist", () => {
    const db = openDb(join(dir, "other.db"));
    expect(() => usableRowIds(db, "nope")).toThrow("dataset nope does not exist");
    db.$client.close();
  });
});
