import { describe, expect, it } from "vitest";
import { cacheLossCaveats } from "./teacher-cache";

describe("cacheLossCaveats", () => {
  it("says nothing for forward KL at T = 1, where a k = 64 cache loses a few per cent", () => {
    expect(cacheLossCaveats({ temperature: 1, loss: "fkl", topK: 64 })).toEqual([]);
    expect(cacheLossCaveats({ temperature: 0.7, loss: "jsd", topK: 64 })).toEqual([]);
  });

  it("warns above T = 1, naming the run's temperature and the cache's k", () => {
    const [caveat, ...rest] = cacheLossCaveats({ temperature: 2, loss: "fkl", topK: 16 });
    expect(rest).toEqual([]);
    expect(caveat).toContain("At temperature 2 the teacher puts more of its mass outside its top 16");
  });

  it("warns for reverse KL at any temperature, and gives both caveats when both hold", () => {
    expect(cacheLossCaveats({ temperature: 1, loss: "rkl", topK: 64 })).toEqual([expect.stringContaining("Reverse KL weighs tokens by the student")]);
    expect(cacheLossCaveats({ temperature: 1.5, loss: "rkl", topK: 64 })).toHaveLength(2);
  });
});
