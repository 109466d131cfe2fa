import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseRatios } from "./ratios";
import { type RoundSelectionInput, mfdHistogram, selectRound } from "./round-selection";

const NAMES = ["A", "B", "C", "D"];

/** Seed pools over NAMES with MFD in [−9, 9] or unscored, ratios over NAMES plus a type with no rows. */
const inputArb = fc
  .record({
    rows: fc.array(
      fc.record({
        type: fc.integer({ min: 0, max: NAMES.length - 1 }),
        mfd: fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constant(Number.NaN)),
      }),
      { maxLength: 150 },
    ),
    ratios: fc.dictionary(fc.constantFrom(...NAMES, "Ghost"), fc.double({ min: 0, max: 1, noNaN: true }), { minKeys: 1 }),
    budget: fc.integer({ min: 1, max: 200 }),
    delta: fc.integer({ min: -2, max: 4 }),
    alpha: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .filter(({ ratios }) => Object.values(ratios).some((r) => r > 1e-6))
  .map(({ rows, ratios, budget, delta, alpha, seed }): RoundSelectionInput & { rows: { type: number; mfd: number }[] } => ({
    rows,
    types: Uint8Array.from(rows, (r) => r.type),
    typeNames: NAMES,
    mfd: alpha == null ? null : Float64Array.from(rows, (r) => r.mfd),
    budget,
    ratios,
    delta,
    alpha,
    seed,
  }));

describe("selectRound", () => {
  it("picks each seed row at most once, only rows of the type it counts them under", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const sel = selectRound(input);
        expect(new Set(sel.indices).size).toBe(sel.indices.length);
        for (const t of sel.types) {
          const code = NAMES.indexOf(t.type);
          expect([...sel.indices].filter((i) => input.rows[i].type === code).length).toBe(t.selected);
        }
      }),
    );
  });

  it("fills the budget: the types' targets add up to it, each budget · ratio rounded down or up (largest remainder)", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const sel = selectRound(input);
        const ratios = normaliseRatios(input.ratios);
        let total = 0;
        for (const [type, r] of Object.entries(ratios)) {
          const row = sel.types.find((t) => t.type === type);
          const target = row ? row.target : 0;
          if (row) expect(row.selected + row.toExpand).toBe(target);
          expect(target).toBeGreaterThanOrEqual(Math.floor(input.budget * r + 1e-9));
          expect(target).toBeLessThanOrEqual(Math.ceil(input.budget * r - 1e-9));
          total += target;
        }
        expect(total).toBe(input.budget);
        expect(sel.indices.length + sel.toExpand).toBe(input.budget);
      }),
    );
  });

  it("gives the rows rounding leaves over to the types that lost the most to it", () => {
    // 16 rows over ratios 5:4:3:2 of 14: 16·r = 5.71, 4.57, 3.43, 2.29 → floors 5+4+3+2 = 14, the two rows left
    // go to A (.71) and B (.57). Rounding every type down left 2 of 16 rows out.
    const types = [...Array(10).fill("A"), ...Array(10).fill("B"), ...Array(10).fill("C"), ...Array(10).fill("D")];
    const sel = selectRound({ types, typeNames: NAMES, mfd: null, budget: 16, ratios: { A: 5, B: 4, C: 3, D: 2 }, delta: 1, alpha: null, seed: 1 });
    expect(sel.types.map((t) => [t.type, t.target])).toEqual([["A", 6], ["B", 5], ["C", 3], ["D", 2]]);
    expect(sel.indices.length).toBe(16);
  });

  it("fills a small budget from a seed pool of many small types (the pipeline page's own-mix preset)", () => {
    // 40 prompts over 13 types, most with 1–3 rows, and a budget of 16: rounding each type down gave 8 rows.
    const names = Array.from({ length: 13 }, (_, i) => `T${i}`);
    const sizes = [10, 6, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1];
    const types = sizes.flatMap((n, i) => Array<string>(n).fill(names[i]));
    const ratios = Object.fromEntries(sizes.map((n, i) => [names[i], n / 40]));
    const sel = selectRound({ types, typeNames: names, mfd: null, budget: 16, ratios, delta: 1, alpha: null, seed: 7 });
    expect(sel.indices.length).toBe(16);
    expect(sel.toExpand).toBe(0);
  });

  it("takes hard rows first: α_r of each type's target within rounding, more only when its other rows run short", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (input.alpha == null) return;
        const sel = selectRound(input);
        for (const t of sel.types) {
          const code = NAMES.indexOf(t.type);
          const rows = input.rows.filter((r) => r.type === code);
          const hardAvail = rows.filter((r) => r.mfd > input.delta).length;
          const otherAvail = rows.length - hardAvail;
          if (rows.length < t.target) {
            // A short type gives every row it has, hard ones included.
            expect(t.selected).toBe(rows.length);
            expect(t.hard).toBe(hardAvail);
            continue;
          }
          const wanted = Math.round(input.alpha * t.target);
          expect(t.hard).toBe(Math.min(hardAvail, Math.max(wanted, t.target - otherAvail)));
          if (hardAvail >= wanted && otherAvail >= t.target - wanted) expect(Math.abs(t.hard - input.alpha * t.target)).toBeLessThanOrEqual(0.5);
        }
      }),
    );
  });

  it("never leaves a hard row out for a row with MFD ≤ δ beyond α's share", () => {
    // All hard: the set is all hard; none hard: all other, whatever α is.
    const types = ["A", "A", "A", "A", "B", "B", "B", "B"];
    const allHard = selectRound({ types, typeNames: NAMES, mfd: [5, 5, 5, 5, 5, 5, 5, 5], budget: 4, ratios: { A: 1, B: 1 }, delta: 1, alpha: 0.3, seed: 1 });
    expect(allHard.hardShare).toBe(1);
    const mixed = selectRound({ types, typeNames: NAMES, mfd: [5, 5, 0, 0, 5, 0, 0, 0], budget: 4, ratios: { A: 1, B: 1 }, delta: 1, alpha: 1, seed: 1 });
    expect(mixed.types.find((t) => t.type === "A")?.hard).toBe(2);
    expect(mixed.types.find((t) => t.type === "B")?.hard).toBe(1);
    expect(mixed.hardShare).toBe(0.75);
  });

  it("is deterministic for a seed", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const a = selectRound(input);
        const b = selectRound(input);
        expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
        expect(a.types).toEqual(b.types);
      }),
    );
  });

  it("asks the expansion for types the seed pool lacks, and for short types' remainder", () => {
    const sel = selectRound({ types: ["A", "A", "B"], typeNames: NAMES, mfd: null, budget: 10, ratios: { A: 0.5, B: 0.3, C: 0.2 }, delta: 1, alpha: null, seed: 3 });
    expect(sel.types).toEqual([
      { type: "A", target: 5, selected: 2, hard: 0, toExpand: 3 },
      { type: "B", target: 3, selected: 1, hard: 0, toExpand: 2 },
      { type: "C", target: 2, selected: 0, hard: 0, toExpand: 2 },
    ]);
    expect(sel.toExpand).toBe(7);
    expect(sel.hardShare).toBeNull();
  });
});

describe("mfdHistogram", () => {
  it("bins integer MFD values into their own bins and leaves NaN out", () => {
    const bins = mfdHistogram([-9, 0, 0, 0.4, 3, 9, Number.NaN]);
    expect(bins).toHaveLength(19);
    expect(bins[0]).toEqual({ lo: -9.5, hi: -8.5, count: 1 });
    expect(bins[9].count).toBe(3);
    expect(bins[12].count).toBe(1);
    expect(bins[18].count).toBe(1);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(6);
  });
});
