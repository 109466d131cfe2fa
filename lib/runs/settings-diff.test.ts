import { describe, expect, it } from "vitest";
import { differingSettings, flatten } from "./settings-diff";

describe("flatten", () => {
  it("names nested settings by dotted path", () => {
    expect(flatten({ loss: { name: "fkl", beta: 0.1 }, student: { source: "pruned", num_layers: 4 }, eval_data: null })).toEqual({
      "loss.name": "fkl",
      "loss.beta": 0.1,
      "student.source": "pruned",
      "student.num_layers": 4,
      eval_data: null,
    });
  });

  it("joins scalar arrays and indexes arrays of objects", () => {
    expect(flatten({ layers: [0, 5, 9], stages: [{ t: 1 }, { t: 2 }] })).toEqual({ layers: "0, 5, 9", "stages[0].t": 1, "stages[1].t": 2 });
  });
});

describe("differingSettings", () => {
  it("keeps only keys whose values differ, including keys present in one run only", () => {
    const a = { id: "a", loss: { name: "fkl" }, optim: { lr: 1e-4 }, seed: 10 };
    const b = { id: "b", loss: { name: "jsd", beta: 0.1 }, optim: { lr: 1e-4 }, seed: 10 };
    expect(differingSettings([a, b], ["id"])).toEqual([
      { key: "loss.beta", values: [undefined, 0.1] },
      { key: "loss.name", values: ["fkl", "jsd"] },
    ]);
  });

  it("returns nothing for identical runs", () => {
    expect(differingSettings([{ x: { y: 1 } }, { x: { y: 1 } }, { x: { y: 1 } }])).toEqual([]);
  });
});
