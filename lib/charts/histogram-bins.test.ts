import { describe, expect, it } from "vitest";
import { binValues, quartiles } from "./histogram-bins";

describe("binValues", () => {
  it("counts every finite value once, the maximum in the last bin", () => {
    const bins = binValues([0, 0.5, 1, null, Number.NaN, 0.25], 4);
    expect(bins.map((b) => b.count)).toEqual([1, 1, 1, 1]);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(4);
    expect(bins[3]!.end).toBe(1);
  });
  it("puts equal values in one bin and returns nothing without values", () => {
    expect(binValues([2, 2, 2])).toEqual([{ start: 2, end: 3, count: 3 }]);
    expect(binValues([null, Number.NaN])).toEqual([]);
  });
});

describe("quartiles", () => {
  it("interpolates and ignores unscored rows", () => {
    expect(quartiles([4, 1, 3, 2, 5, null])).toEqual([1, 2, 3, 4, 5]);
    expect(quartiles([null])).toBeNull();
  });
});
