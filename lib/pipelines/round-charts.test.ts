import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatShare, hardShare, mfdBins } from "./round-charts";

describe("mfdBins", () => {
  it("puts δ on a bin edge, so every bin is wholly easy or wholly hard", () => {
    const bins = mfdBins([-2, 0, 0.5, 1, 1.5, 4], 0.5);
    expect(bins.map((b) => [b.start, b.end, b.count, b.hard])).toEqual([
      [-2.5, -1.5, 1, false],
      [-1.5, -0.5, 0, false],
      [-0.5, 0.5, 2, false],
      [0.5, 1.5, 2, true],
      [1.5, 2.5, 0, true],
      [2.5, 3.5, 0, true],
      [3.5, 4.5, 1, true],
    ]);
  });

  it("leaves out values that are not numbers and draws nothing when none was judged", () => {
    expect(mfdBins([Number.NaN], 1)).toEqual([]);
    expect(mfdBins([Number.NaN, 3], 1)).toEqual([{ start: 2, end: 3, count: 1, hard: true }]);
  });

  it("counts as hard in its bins exactly what hardShare counts, for any values, δ and width", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(Number.NaN), fc.double({ min: -9, max: 9, noNaN: true })), { maxLength: 60 }),
        fc.double({ min: -3, max: 6, noNaN: true }),
        fc.constantFrom(0.25, 0.5, 1, 2),
        (values, delta, width) => {
          const bins = mfdBins(values, delta, width);
          const { hard, judged } = hardShare(values, delta);
          expect(bins.reduce((n, b) => n + b.count, 0)).toBe(judged);
          expect(bins.filter((b) => b.hard).reduce((n, b) => n + b.count, 0)).toBe(hard);
        },
      ),
    );
  });
});

describe("hardShare", () => {
  it("counts MFD strictly above δ among the judged prompts", () => {
    expect(hardShare([1, 2, 3, Number.NaN], 2)).toEqual({ hard: 1, judged: 3, share: 1 / 3 });
    expect(hardShare([], 2)).toEqual({ hard: 0, judged: 0, share: null });
    expect(formatShare(1 / 3)).toBe("33.3%");
    expect(formatShare(null)).toBe("—");
  });
});
