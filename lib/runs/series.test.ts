import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chartSeries, downsample, ema } from "./series";

const line = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ x: i, y: f(i) }));

describe("ema", () => {
  it("leaves a series unchanged at weight 0 and a constant series unchanged at any weight", () => {
    const noisy = line(50, (i) => Math.sin(i));
    expect(ema(noisy, 0)).toEqual(noisy);
    for (const p of ema(line(50, () => 3), 0.9)) expect(p.y).toBeCloseTo(3, 10);
  });

  it("is debiased: the first smoothed point equals the first value", () => {
    expect(ema([{ x: 0, y: 7 }, { x: 1, y: 9 }], 0.95)[0]!.y).toBeCloseTo(7, 10);
  });

  it("shrinks the spread of an alternating series", () => {
    const zigzag = line(200, (i) => (i % 2 ? 1 : -1));
    const tail = ema(zigzag, 0.9).slice(100);
    expect(Math.max(...tail.map((p) => Math.abs(p.y)))).toBeLessThan(0.2);
  });
});

describe("downsample", () => {
  it("keeps at most the threshold, the first and last points, and the global extremes of a spike", () => {
    const series = line(100_000, (i) => (i === 61_234 ? 50 : Math.cos(i / 1000)));
    const out = downsample(series, 800);
    expect(out.length).toBeLessThanOrEqual(800);
    expect(out[0]).toEqual(series[0]);
    expect(out.at(-1)).toEqual(series.at(-1));
    expect(out.some((p) => p.y === 50)).toBe(true);
  });

  it("returns short series unchanged and keeps x increasing", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 400 }), fc.integer({ min: 3, max: 300 }), (ys, width) => {
        const series = ys.map((y, x) => ({ x, y }));
        const out = downsample(series, width);
        if (series.length <= width) expect(out).toEqual(series);
        else expect(out.length).toBeLessThanOrEqual(width);
        for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
      }),
    );
  });
});

describe("chartSeries", () => {
  it("smooths before downsampling, so a smoothed spike survives as a bump rather than vanishing", () => {
    const series = line(10_000, (i) => (i >= 5000 && i < 5010 ? 100 : 0));
    const out = chartSeries(series, 0.9, 200);
    const peak = Math.max(...out.map((p) => p.y));
    expect(peak).toBeGreaterThan(10);
    expect(peak).toBeLessThan(100);
  });
});
