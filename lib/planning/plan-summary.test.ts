import { describe, expect, it } from "vitest";
import { planSummary } from "./plan-summary";

describe("planSummary", () => {
  it("says one stage, one step and one bucket in the singular", () => {
    expect(planSummary(1, 1, [420])).toBe("1 stage · 1 optimizer step · bucket size 420");
    expect(planSummary(4, 105, [10, 20, 30, 40])).toBe("4 stages · 105 optimizer steps · bucket sizes 10, 20, 30, 40");
  });
});
