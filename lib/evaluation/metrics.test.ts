import { describe, expect, it } from "vitest";
import { formatMetric, orderedMetrics } from "./metrics";

describe("evaluation metrics on the page", () => {
  it("shows fractions in points with their spread, ratings as they are, and a dash for nothing measured", () => {
    expect(formatMetric("rouge_l", { mean: 0.23412, std: 0.0102, n: 5 })).toBe("23.41 ± 1.02");
    expect(formatMetric("score", { mean: 6.5, std: null, n: 1 })).toBe("6.50");
    expect(formatMetric("score", { mean: null, std: null, n: 0 })).toBe("—");
    expect(formatMetric("prompt_strict", undefined)).toBe("—");
  });

  it("leads each suite with its headline metric", () => {
    const metrics = { prompt_loose: { mean: 1, std: null, n: 1 }, prompt_strict: { mean: 1, std: null, n: 1 } };
    expect(orderedMetrics("ifeval", { metrics })).toEqual(["prompt_strict", "prompt_loose"]);
  });
});
