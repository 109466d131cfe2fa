import { createLTTB } from "downsample";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chartSeries, LineSeries, type Point } from "./series";

const line = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ x: i, y: f(i) }));
const ema = (points: readonly Point[], weight: number): Point[] => {
  const ys = LineSeries.from(points).smoothed(weight);
  return points.map((p, i) => ({ x: p.x, y: ys[i]! }));
};
const downsample = (points: readonly Point[], threshold: number) => chartSeries(points, 0, threshold);

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

describe("lttbIndices (through downsample)", () => {
  const reference = createLTTB<Point>({ x: "x", y: "y" });

  it("picks exactly what the downsample package's LTTB picks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.001, max: 1e3, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 3_000 }),
        fc.integer({ min: 3, max: 500 }),
        (steps, width) => {
          let x = 0;
          const series = steps.map(([dx, y]) => ({ x: (x += dx), y }));
          expect(downsample(series, width)).toEqual(Array.from(reference(series, width)));
        },
      ),
    );
    const long = line(100_000, (i) => 2 + 8 * Math.exp(-i / 20_000) + Math.sin(i * 12.9898) * 0.5);
    expect(downsample(long, 1_100)).toEqual(Array.from(reference(long, 1_100)));
  });
});

describe("LineSeries", () => {
  it("smooths appended points incrementally to exactly the full recomputation, at any weight", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 3_000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }),
        fc.constantFrom(0, 0.3, 0.6, 0.99),
        (ys, cuts, weight) => {
          const points = ys.map((y, x) => ({ x, y }));
          const series = new LineSeries();
          let at = 0;
          for (const cut of [...cuts, points.length]) {
            for (const end = Math.min(at + cut, points.length); at < end; at++) series.push(points[at]!.x, points[at]!.y);
            series.smoothed(weight === 0.99 ? 0.3 : weight); // another weight in between must not leak
            series.smoothed(weight);
          }
          expect(Array.from(series.smoothed(weight).subarray(0, series.length))).toEqual(ema(points, weight).map((p) => p.y));
        },
      ),
    );
  });

  it("memoises its chart until a point, the weight or the width changes", () => {
    const series = LineSeries.from(line(5_000, (i) => Math.cos(i / 50)));
    const first = series.chart(0.6, 400);
    expect(series.chart(0.6, 400)).toBe(first);
    expect(series.chart(0.5, 400)).not.toBe(first);
    expect(series.chart(0.5, 300)).toHaveLength(300);
    series.push(5_000, 1);
    expect(series.chart(0.5, 300).at(-1)!.x).toBe(5_000);
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
