import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatShare, hardShare, mfdBins, mixAgainstTarget } from "./round-charts";

describe("mixAgainstTarget", () => {
  it("sets each type's share of the round's rows beside its normalised target, largest target first", () => {
    const rows = mixAgainstTarget({ Math: 30, Writing: 10, Others: 0 }, { Math: 0.167, Reasoning: 0.167, Writing: 0.017 });
    expect(rows.map((r) => r.type)).toEqual(["Math", "Reasoning", "Writing"]);
    expect(rows[0]).toMatchObject({ rows: 30, share: 0.75 });
    expect(rows[0]!.target).toBeCloseTo(0.167 / 0.351);
    expect(rows[1]).toMatchObject({ rows: 0, share: 0 });
    expect(rows[2]!.share).toBe(0.25);
  });

  it("lists a type with rows but no target at target 0, after the targeted ones", () => {
    const rows = mixAgainstTarget({ Art: 5, Math: 1 }, { Math: 1 });
    expect(rows).toEqual([
      { type: "Math", rows: 1, share: 1 / 6, target: 1 },
      { type: "Art", rows: 5, share: 5 / 6, target: 0 },
    ]);
  });

  it("gives an empty set shares of 0, not NaN", () => {
    expect(mixAgainstTarget({}, { Math: 2 })).toEqual([{ type: "Math", rows: 0, share: 0, target: 1 }]);
  });
});

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

  it("leaves out unparsed judgments and draws nothing when none was judged", () => {
    expect(mfdBins([null, Number.NaN], 1)).toEqual([]);
    expect(mfdBins([null, 3], 1)).toEqual([{ start: 2, end: 3, count: 1, hard: true }]);
  });

  it("counts as hard in its bins exactly what hardShare counts, for any values, δ and width", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(null), fc.double({ min: -9, max: 9, noNaN: true })), { maxLength: 60 }),
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
    expect(hardShare([1, 2, 3, null], 2)).toEqual({ hard: 1, judged: 3, share: 1 / 3 });
    expect(hardShare([], 2)).toEqual({ hard: 0, judged: 0, share: null });
    expect(formatShare(1 / 3)).toBe("33.3%");
    expect(formatShare(null)).toBe("—");
  });
});
