import { describe, expect, it } from "vitest";
import { binValues } from "./histogram-bins";
import { assignBuckets, bucketSummaries, componentColumns } from "./score-components";

describe("componentColumns", () => {
  it("gives POCL's ROUGE-L and CE their own columns, not the flat ranks, with null where a row lacks them", () => {
    const stored = [
      JSON.stringify({ rouge_l: 0.9, ce: 0.5, rank_rouge_l: 1, rank_ce: 1 }),
      null,
      JSON.stringify({ rouge_l: 0.1, ce: 2.5, rank_rouge_l: 2, rank_ce: 2 }),
      "not json",
    ];
    expect(componentColumns(stored)).toEqual({ rouge_l: [0.9, null, 0.1, null], ce: [0.5, null, 2.5, null] });
  });

  it("derives MFD from the student's and teacher's cross-entropy of an mfd_ce pass", () => {
    const cols = componentColumns([JSON.stringify({ student_ce: 3, teacher_ce: 1 }), JSON.stringify({ student_ce: 2, teacher_ce: 1.5 })]);
    expect(cols).toEqual({ student_ce: [3, 2], teacher_ce: [1, 1.5], mfd: [2, 0.5] });
  });

  it("is not flat where the fused rank is: components of rows spread unevenly fill bins unevenly", () => {
    // 20 rows whose ROUGE-L clusters near 0 and 1: the rank's histogram would hold one row per bin.
    const rouge = Array.from({ length: 20 }, (_, i) => (i < 15 ? 0.02 * i : 0.95 + 0.01 * (i - 15)));
    const cols = componentColumns(rouge.map((r) => JSON.stringify({ rouge_l: r, ce: 1, rank_rouge_l: 0 })));
    const counts = binValues(cols.rouge_l!, 10).map((b) => b.count);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    expect(Math.max(...counts)).toBeGreaterThan(2);
  });
});

describe("assignBuckets and bucketSummaries", () => {
  it("split scored rows easy → hard in POCL's sizes and pick the rows nearest each bucket's median", () => {
    const difficulty = [0.9, null, 0.1, 0.5, 0.3, 0.7, 0.2];
    const buckets = assignBuckets(difficulty, 3);
    // 6 scored rows, 3 buckets of 2: {0.1, 0.2}, {0.3, 0.5}, {0.7, 0.9}
    expect([...buckets]).toEqual([2, -1, 0, 1, 1, 2, 0]);
    expect(bucketSummaries(difficulty, buckets, 1)).toEqual([
      { bucket: 0, size: 2, min: 0.1, max: 0.2, typical: [2] },
      { bucket: 1, size: 2, min: 0.3, max: 0.5, typical: [4] },
      { bucket: 2, size: 2, min: 0.7, max: 0.9, typical: [5] },
    ]);
  });

  it("puts every scored row in one bucket when there are fewer rows than buckets", () => {
    expect([...assignBuckets([0.2, 0.1], 4)]).toEqual([0, 0]);
    expect(assignBuckets([], 4).length).toBe(0);
  });
});
