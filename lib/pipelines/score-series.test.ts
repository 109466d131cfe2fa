import { describe, expect, it } from "vitest";
import type { EvalResult } from "~/lib/contracts/evaluation";
import { scoreSeries } from "./score-series";

const metric = (mean: number | null) => ({ mean, std: null, n: 5 });
const selfinst = (rouge: number | null): EvalResult["suites"] => ({ selfinst: { metrics: { rouge_l: metric(rouge) }, items: 10 } });

describe("scoreSeries", () => {
  it("charts each metric in the page's units across rounds, with the initial student and the teacher beside it", () => {
    const series = scoreSeries(
      [
        { round: 1, suites: { ...selfinst(0.1), ifeval: { metrics: { prompt_loose: metric(0.3), prompt_strict: metric(0.2) }, items: 10 } } },
        { round: 2, suites: selfinst(0.15) },
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
        { round: 1, suites: selfinst(null) },
        { round: 2, suites: null },
      ],
      { initial: null, teacher: selfinst(0.5) },
    );
    expect(series).toEqual([{ suite: "selfinst", metric: "rouge_l", points: [], initial: null, teacher: 50 }]);
  });

  it("keeps ratings and CE as they are", () => {
    const [mt] = scoreSeries([{ round: 1, suites: { mt_bench: { metrics: { score: metric(6.5) }, items: 80 } } }], { initial: null, teacher: null });
    expect(mt!.points).toEqual([{ round: 1, value: 6.5 }]);
  });
});
