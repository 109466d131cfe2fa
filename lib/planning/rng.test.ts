import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, sampleWithoutReplacement, shuffle } from "./rng";

describe("seeded RNG", () => {
  it("repeats its sequence for a seed and stays in range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const a = createRng(seed);
        const b = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const x = a.int(n);
          expect(x).toBe(b.int(n));
          expect(x >= 0 && x < n && Number.isInteger(x)).toBe(true);
        }
      }),
    );
  });

  it("shuffle permutes; sampling without replacement gives k distinct items and leaves the input alone", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer(), { maxLength: 50 }), fc.nat(), fc.nat(), (items, k, seed) => {
        const copy = items.slice();
        shuffle(copy, createRng(seed));
        expect([...copy].sort()).toEqual([...items].sort());
        const kk = k % (items.length + 1);
        const before = items.slice();
        const picked = sampleWithoutReplacement(items, kk, createRng(seed));
        expect(picked).toHaveLength(kk);
        expect(new Set(picked).size).toBe(kk);
        expect(picked.every((x) => items.includes(x))).toBe(true);
        expect(items).toEqual(before);
      }),
    );
  });

  it("is roughly uniform: every position of a 4-item shuffle sees every item", () => {
    const rng = createRng(10);
    const seen = Array.from({ length: 4 }, () => new Array(4).fill(0));
    for (let t = 0; t < 4000; t++) {
      const xs = [0, 1, 2, 3];
      shuffle(xs, rng);
      xs.forEach((x, pos) => seen[pos][x]++);
    }
    // Expected 1000 each; σ ≈ 27, so 170 is about 6σ of slack.
    for (const row of seen) for (const count of row) expect(Math.abs(count - 1000)).toBeLessThan(170);
  });
});
