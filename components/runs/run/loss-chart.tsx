"use client";

import { useMemo, useState } from "react";
import type { LiveRun } from "~/lib/runs/live-run";
import { metricPoints } from "~/lib/runs/metric-points";
import { SeriesChart, type ChartLine } from "../chart/series-chart";
import { SmoothingSlider } from "../chart/smoothing-slider";

/** Total, KD and CE loss by step with the temperature on a second axis and a marker per stage start. */
export function LossChart({ run, version }: { run: LiveRun; version: number }) {
  const [smoothing, setSmoothing] = useState(0.6);
  const lines = useMemo<ChartLine[]>(
    () => [
      { name: "total loss", color: "#2f5bd3", points: metricPoints(run.metrics, "loss") },
      { name: "KD loss", color: "#c2372f", points: metricPoints(run.metrics, "kd_loss") },
      { name: "CE loss", color: "#2e7d4f", points: metricPoints(run.metrics, "ce_loss") },
      { name: "temperature", color: "#b7791f", points: metricPoints(run.metrics, "temperature"), axis: "right", smooth: false, dashed: true },
    ],
    // the series grows in place; version says when
    [run, version],
  );
  const markers = run.stages.map((s) => ({ x: s.step, label: `stage ${s.stage}/${s.num_stages} · T ${s.temperature} · α ${s.kd_weight}` }));
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Loss</h2>
        <SmoothingSlider value={smoothing} onChange={setSmoothing} />
      </div>
      <SeriesChart testId="loss-chart" lines={lines} smoothing={smoothing} xLabel="step" markers={markers} version={version} />
    </div>
  );
}
