"use client";

import { useMemo, useState } from "react";
import { useSearchParam } from "~/components/use-search-param";
import { seriesColor } from "~/lib/charts/palette";
import { metricSeries, type MetricKey, type MetricPoint, type XAxisKey } from "~/lib/runs/metric-points";
import { LineSeries } from "~/lib/runs/series";
import { SeriesChart } from "../chart/series-chart";
import { SmoothingSlider, useSmoothing } from "../chart/smoothing-slider";

const CURVES = { loss: "total loss", eval_loss: "eval loss", ce_loss: "CE loss", kd_loss: "KD loss" } as const;
type Curve = keyof typeof CURVES;

export type ComparedSeries = { id: string; name: string; metrics: MetricPoint[]; evals: { step: number; evalLoss: number | null }[] };

/** Eval loss at its steps; by tokens seen, each eval takes the tokens of the last metric at or before its step. */
function evalSeries(run: ComparedSeries, x: XAxisKey): LineSeries {
  const series = new LineSeries();
  let i = 0;
  let tokens: number | null = null;
  for (const e of run.evals) {
    for (; i < run.metrics.length && run.metrics[i]!.step <= e.step; i++) tokens = run.metrics[i]!.tokens_seen ?? tokens;
    const xv = x === "step" ? e.step : tokens;
    if (e.evalLoss != null && xv != null) series.push(xv, e.evalLoss);
  }
  return series;
}

const parseList = <T extends string>(value: string | null, allowed: readonly T[], fallback: T[]): T[] => {
  const picked = (value ?? "").split(",").filter((v): v is T => (allowed as readonly string[]).includes(v));
  return picked.length ? picked : fallback;
};

/**
 * Several runs overlaid, by step or by tokens seen: the total loss, and on request eval loss and the CE and KD
 * terms (one colour per run, the total solid, the others dashed). The x axis, curves and smoothing live in the URL
 * (?x=, ?curves=, ?smoothing=).
 */
export function CompareChart({ runs }: { runs: ComparedSeries[] }) {
  const [xParam, setX] = useSearchParam("x");
  const [curvesParam, setCurvesParam] = useSearchParam("curves");
  const x: XAxisKey = xParam === "tokens_seen" ? "tokens_seen" : "step";
  // Held here as well as in the URL: Next updates useSearchParams a render later, and a checkbox must follow its click at once.
  const [curves, setCurves] = useState(() => parseList(curvesParam, Object.keys(CURVES) as Curve[], ["loss"]));
  const [smoothing, setSmoothing] = useSmoothing("smoothing");
  const lines = useMemo(
    () =>
      runs.flatMap((r, i) =>
        curves.map((curve) => ({
          name: curves.length > 1 ? `${r.name} · ${CURVES[curve]}` : r.name,
          color: seriesColor(i),
          dashed: curve !== "loss",
          series: curve === "eval_loss" ? evalSeries(r, x) : metricSeries(r.metrics, curve as MetricKey, x),
        })),
      ),
    [runs, x, curves],
  );
  const toggle = (curve: Curve) => {
    const next = curves.includes(curve) ? curves.filter((c) => c !== curve) : [...curves, curve];
    setCurves(next);
    setCurvesParam(next.length === 1 && next[0] === "loss" ? null : next.join(","));
  };
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>{curves.map((c) => CURVES[c]).join(", ")}</h2>
        <div className="row">
          {(Object.keys(CURVES) as Curve[]).map((curve) => (
            <label key={curve} style={{ flexDirection: "row", alignItems: "center", gap: "0.25rem" }}>
              <input type="checkbox" data-testid={`curve-${curve}`} checked={curves.includes(curve)} onChange={() => toggle(curve)} />
              {CURVES[curve]}
            </label>
          ))}
          <label style={{ flexDirection: "row", alignItems: "center", gap: "0.5rem" }}>
            x axis
            <select data-testid="x-axis" value={x} onChange={(e) => setX(e.target.value === "step" ? null : e.target.value)}>
              <option value="step">step</option>
              <option value="tokens_seen">tokens seen</option>
            </select>
          </label>
          <SmoothingSlider value={smoothing} onChange={setSmoothing} />
        </div>
      </div>
      <SeriesChart testId="compare-chart" lines={lines} smoothing={smoothing} xLabel={x === "step" ? "optimizer step" : "tokens seen"} yLabel="loss (nats)" integerX />
    </div>
  );
}
