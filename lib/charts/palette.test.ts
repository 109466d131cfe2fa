import { describe, expect, it } from "vitest";
import { BACKGROUNDS, colorDistance, contrastRatio, LOSS_COLORS, ROLE, SERIES, seriesColor } from "./palette";

const all = [...SERIES, ...Object.values(ROLE)];

describe("chart palette", () => {
  it("tells every colour apart from every other, so bucket 4 and the temperature no longer share a red", () => {
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) expect(colorDistance(all[i]!, all[j]!), `${all[i]} vs ${all[j]}`).toBeGreaterThan(100);
    expect(new Set(Object.values(LOSS_COLORS)).size).toBe(Object.keys(LOSS_COLORS).length); // the loss chart's lines, attention loss included
  });

  it("keeps 3:1 contrast on the light and the dark background", () => {
    for (const c of all) for (const bg of Object.values(BACKGROUNDS)) expect(contrastRatio(c, bg), `${c} on ${bg}`).toBeGreaterThanOrEqual(3);
  });

  it("cycles series colours past eight buckets", () => {
    expect(seriesColor(3)).toBe(SERIES[3]);
    expect(seriesColor(SERIES.length + 1)).toBe(SERIES[1]);
  });

  it("measures contrast as WCAG does", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(colorDistance("#123456", "#123456")).toBe(0);
  });
});
