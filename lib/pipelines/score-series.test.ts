import { describe, expect, it } from "vitest";
import { scoreSeries } from "./score-series";

const selfinst = (rouge: number | null) => ({ selfinst: { rouge_l: rouge } });

describe("scoreSeries", () => {
  it("charts each metric in the page's units across rounds, with the initial student and the teacher beside it", () => {
    const series = scoreSeries(
      [
        { round: 1, scores: { ...selfinst(0.1), ifeval: { prompt_loose: 0.3, prompt_strict: 0.2 } } },
        { round: 2, scores: selfinst(0.15) },
      ],
      { initial: selfinst(0.05), teacher: selfinst(0.4) },
    );
    expect(series.map((s) => `${s.suite}.${s.metric}`)).toEqual(["selfinst.rouge_l", "ifeval.prompt_strict", "ifeval.prompt_loose"]);
    expect(series[0]).toEqual({
      suite: "selfinst",
      metric: "rouge_l",
      points: [
        { round: 1, value: 10 },
        { round: 2, value: 15 },
      ],
      initial: 5,
      teacher: 40,
    });
    // round 2 was not evaluated on IFEval, and neither reference was
    expect(series[1]).toMatchObject({ points: [{ round: 1, value: 20 }], initial: null, teacher: null });
  });

  it("leaves out a round whose evaluation has not finished and a metric with no mean", () => {
    const series = scoreSeries(
      [
        { round: 1, scores: selfinst(null) },
        { round: 2, scores: null },
      ],
      { initial: null, teacher: selfinst(0.5) },
    );
    expect(series).toEqual([{ suite: "selfinst", metric: "rouge_l", points: [], initial: null, teacher: 50 }]);
  });

  it("keeps ratings and CE as they are", () => {
    const [mt] = scoreSeries([{ round: 1, scores: { mt_bench: { score: 6.5 } } }], { initial: null, teacher: null });
    expect(mt!.points).toEqual([{ round: 1, value: 6.5 }]);
  });
});
