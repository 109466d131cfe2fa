import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { countTypes, datasetMixRatios, encodeTypes, normaliseRatios, presetRatios, tapirRatios, uniformRatios } from "./ratios";
import { type ResampleInput, previewCounts, resample } from "./resample";

const NAMES = ["A", "B", "C", "D", "E"];

/** Random small datasets over NAMES, ratios over a subset of NAMES plus a type that never has rows. */
const inputArb = (withSplit: boolean) =>
  fc
    .record({
      rows: fc.array(
        fc.record({
          type: fc.integer({ min: 0, max: NAMES.length - 1 }),
          difficulty: fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constant(Number.NaN)),
        }),
        { maxLength: 120 },
      ),
      ratios: fc.dictionary(fc.constantFrom(...NAMES, "Ghost"), fc.double({ min: 0, max: 1, noNaN: true }), { minKeys: 1 }),
      // Small N makes types with more rows than their target (subsampling, rule 2) common.
      n: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 400 })),
      threshold: fc.double({ min: 0, max: 10, noNaN: true }),
      hardShare: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .filter(({ ratios }) => Object.values(ratios).some((r) => r > 1e-6))
    .map(({ rows, ratios, n, threshold, hardShare, seed }) => ({
      types: Uint8Array.from(rows, (r) => r.type),
      difficulty: Float64Array.from(rows, (r) => r.difficulty),
      typeNames: NAMES,
      n,
      ratios,
      threshold: withSplit ? threshold : null,
      hardShare: withSplit ? hardShare : null,
      seed,
    }));

/** How many times each row position occurs in the resampled set. */
function occurrences(indices: Int32Array, rows: number): Int32Array {
  const times = new Int32Array(rows);
  for (const i of indices) times[i]++;
  return times;
}

describe("previewCounts targets", () => {
  it("target_c = floor(N · normalised ratio_c); flooring loses fewer rows than there are types", () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        const counts = previewCounts(input);
        const ratios = normaliseRatios(input.ratios);
        for (const c of counts.types) {
          const exact = input.n * (ratios[c.type] ?? 0);
          expect(c.target).toBeLessThanOrEqual(exact + 1e-6);
          expect(c.target).toBeGreaterThan(exact - 1);
          expect(Number.isInteger(c.target)).toBe(true);
        }
        const positive = Object.values(ratios).filter((r) => r > 0).length;
        expect(counts.targetTotal).toBeLessThanOrEqual(input.n);
        expect(input.n - counts.targetTotal).toBeLessThan(Math.max(positive, 1));
      }),
    );
  });

  it("every non-empty type gets exactly its target; a type with a ratio and no rows is flagged and gets none", () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const counts = previewCounts(input);
        for (const c of counts.types) {
          expect(c.flagged).toBe(c.ratio > 0 && c.available === 0);
          expect(c.selected).toBe(c.flagged ? 0 : c.target);
          expect(c.pools.reduce((s, p) => s + p.take, 0)).toBe(c.selected);
          for (const p of c.pools) expect(p.take).toBe(p.repeats * p.available + p.remainder);
        }
        expect(counts.missing).toEqual(counts.types.filter((c) => c.flagged).map((c) => c.type));
        expect(counts.selectedTotal).toBe(counts.targetTotal - counts.missingTarget);
      }),
    );
  });
});

describe("resample", () => {
  it("draws per type exactly what previewCounts reports, and previewCounts' numbers are its own", () => {
    fc.assert(
      fc.property(fc.boolean().chain(inputArb), (input) => {
        const { indices, counts } = resample(input);
        expect(counts).toEqual(previewCounts(input));
        expect(indices.length).toBe(counts.selectedTotal);
        const perType = new Array(NAMES.length).fill(0);
        const hardPerType = new Array(NAMES.length).fill(0);
        for (const i of indices) {
          perType[input.types[i]]++;
          if (input.difficulty[i] > (input.threshold ?? Number.POSITIVE_INFINITY)) hardPerType[input.types[i]]++;
        }
        NAMES.forEach((name, code) => {
          const c = counts.types[code];
          expect(perType[code]).toBe(c.selected);
          if (input.hardShare != null) expect(hardPerType[code]).toBe(c.selectedHard);
        });
      }),
    );
  });

  it("is deterministic for a seed", () => {
    fc.assert(
      fc.property(fc.boolean().chain(inputArb), (input) => {
        expect(resample(input).indices).toEqual(resample(input).indices);
      }),
    );
  });

  it("without α: a short type repeats every row floor(t/n) times plus t mod n rows once more; a long one never repeats", () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        const times = occurrences(resample(input).indices, input.types.length);
        const counts = previewCounts(input);
        NAMES.forEach((_, code) => {
          const c = counts.types[code];
          const rowTimes = Array.from(input.types.keys())
            .filter((i) => input.types[i] === code)
            .map((i) => times[i]);
          if (c.available === 0) return;
          const full = Math.floor(c.selected / c.available);
          expect(c.repeats).toBe(full);
          expect(rowTimes.every((t) => t === full || t === full + 1)).toBe(true);
          expect(rowTimes.filter((t) => t === full + 1).length).toBe(c.selected - full * c.available);
        });
      }),
    );
  });

  it("with α: the hard share is round(α·t) whenever both pools can give their share", () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const counts = previewCounts(input);
        for (const c of counts.types.slice(0, NAMES.length)) {
          const hardWanted = Math.round((input.hardShare as number) * c.selected);
          const other = c.available - c.hardAvailable;
          const typeShort = c.available < c.selected;
          const poolsAllow = c.hardAvailable >= hardWanted && other >= c.selected - hardWanted;
          if (c.hardAvailable > 0 && other > 0 && (typeShort || poolsAllow)) expect(c.selectedHard).toBe(hardWanted);
          // Rule 2: while the type has enough distinct rows, nothing repeats.
          if (!typeShort) expect(c.repeats).toBeLessThanOrEqual(1);
          if (c.hardAvailable === 0) expect(c.selectedHard).toBe(0);
          if (other === 0) expect(c.selectedHard).toBe(c.selected);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("hand-computed examples", () => {
  it("TAPIR ratios at N = 1000 give the published counts, summing to 1000", () => {
    const codes = Uint8Array.from(TASK_TYPES.keys());
    const counts = previewCounts({ types: codes, n: 1000, ratios: tapirRatios() });
    const target = Object.fromEntries(counts.types.map((c) => [c.type, c.target]));
    expect(target).toMatchObject({ Math: 167, Reasoning: 167, "Code Generation": 83, "Code Debug": 83, Others: 41, Writing: 17, Paraphrase: 17 });
    expect(counts.targetTotal).toBe(1000);
    // One row per type: every type repeats its single row `target` times.
    expect(counts.types.find((c) => c.type === "Math")?.repeats).toBe(167);
  });

  it("splits Math 2 hard + 1 other towards α = 0.5 of 9, flags Art, drops Others", () => {
    const input: ResampleInput = {
      types: encodeTypes(["Math", "Math", "Math", "Reasoning", "Others", "Writing", "Writing", "Writing", "Writing", "Writing"]),
      difficulty: [0.1, 0.9, 0.8, 0.5, Number.NaN, 0.2, 0.3, 0.95, 0.99, 0.1],
      n: 20,
      ratios: { Math: 0.5, Reasoning: 0.25, Writing: 0.25, Art: 0.1 },
      threshold: 0.5,
      hardShare: 0.5,
    };
    const counts = previewCounts(input);
    const by = Object.fromEntries(counts.types.map((c) => [c.type, c]));
    // 20 · 0.5/1.1 = 9.09 → 9; Math has 3 < 9 rows so the α split stands: round(4.5) = 5 hard, 4 other.
    expect(by.Math).toMatchObject({ target: 9, hardAvailable: 2, selectedHard: 5, repeats: 4 });
    expect(by.Math.pools).toEqual([
      { pool: "hard", available: 2, take: 5, repeats: 2, remainder: 1 },
      { pool: "other", available: 1, take: 4, repeats: 4, remainder: 0 },
    ]);
    // Reasoning's only row has difficulty 0.5, not above δ: the empty hard pool hands everything over.
    expect(by.Reasoning).toMatchObject({ target: 4, selectedHard: 0, repeats: 4 });
    // Writing has 5 ≥ 4 rows: 2 hard + 2 other, all distinct.
    expect(by.Writing).toMatchObject({ target: 4, selectedHard: 2, repeats: 1 });
    expect(by.Others).toMatchObject({ available: 1, unscored: 1, target: 0, selected: 0, flagged: false });
    expect(by.Art).toMatchObject({ target: 1, selected: 0, flagged: true });
    expect(counts).toMatchObject({ targetTotal: 18, selectedTotal: 17, missing: ["Art"], missingTarget: 1 });
  });

  it("counts no row as hard without difficulty, whatever δ", () => {
    const counts = previewCounts({ types: [0, 0], n: 2, ratios: { Math: 1 }, threshold: -1 });
    expect(counts.types[0]).toMatchObject({ available: 2, hardAvailable: 0, unscored: 0 });
  });

  it("moves a short hard pool's deficit to the other pool while the type has enough rows", () => {
    const counts = previewCounts({
      types: [0, 0, 0, 0, 0, 0],
      typeNames: ["A"],
      difficulty: [9, 1, 1, 1, 1, 1],
      n: 4,
      ratios: { A: 1 },
      threshold: 5,
      hardShare: 0.75,
    });
    // Wanted round(0.75 · 4) = 3 hard, only 1 exists: 1 hard + 3 other, no repeats.
    expect(counts.types[0]).toMatchObject({ selected: 4, selectedHard: 1, repeats: 1 });
    expect(counts.types[0].pools.map((p) => p.take)).toEqual([1, 3]);
  });
});

describe("ratio presets", () => {
  const labels = ["Math", "Math", "Math", "Writing"];
  const counts = countTypes(encodeTypes(labels));

  it("uniform covers only the types present; dataset mix follows the counts", () => {
    expect(uniformRatios(counts)).toEqual({ Math: 0.5, Writing: 0.5 });
    expect(datasetMixRatios(counts)).toEqual({ Math: 0.75, Writing: 0.25 });
  });

  it("TAPIR's preset proposes targets only for the types the data has, at TAPIR's shares", () => {
    expect(presetRatios("tapir", counts)).toEqual({ Math: tapirRatios().Math, Writing: tapirRatios().Writing });
    expect(previewCounts({ types: encodeTypes(labels), n: 4, ratios: presetRatios("tapir", counts) }).missing).toEqual([]);
  });

  it("resampling to the dataset's own mix at its own size keeps every row once", () => {
    const types = encodeTypes(labels);
    const { indices } = resample({ types, n: 4, ratios: presetRatios("dataset", counts), seed: 7 });
    expect(Array.from(indices).sort()).toEqual([0, 1, 2, 3]);
  });
});

describe("type names", () => {
  it("give the same counts and draw as their codes", () => {
    const labels = ["Math", "Writing", "Math", "Ethics", "Math"];
    const common = { n: 12, ratios: { Math: 2, Writing: 1, Ethics: 1 }, seed: 5 };
    expect(resample({ ...common, types: labels })).toEqual(resample({ ...common, types: encodeTypes(labels) }));
  });
});

describe("errors name what is wrong", () => {
  it("rejects unknown labels, bad codes, α without δ and bad ratios", () => {
    expect(() => encodeTypes(["Math", "Cooking"])).toThrow('row 1: task type "Cooking"');
    expect(() => previewCounts({ types: [0, 40], n: 5, ratios: { Math: 1 } })).toThrow("row 1: task type code 40 is not an integer in 0..31");
    expect(() => previewCounts({ types: [0], difficulty: [1], n: 5, ratios: { Math: 1 }, hardShare: 0.5 })).toThrow("threshold δ");
    expect(() => previewCounts({ types: [0], n: 5, ratios: { Math: 0 } })).toThrow("at least one type");
    expect(() => previewCounts({ types: [0], n: 5, ratios: { Math: -1 } })).toThrow('ratio for "Math"');
    expect(() => previewCounts({ types: [0, 0], difficulty: [1], n: 5, ratios: { Math: 1 } })).toThrow("1 values for 2 rows");
  });
});
