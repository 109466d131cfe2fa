"use client";

import { useMemo } from "react";
import type { LiveRun } from "~/lib/runs/live-run";
import { LOSS_COLORS } from "~/lib/charts/palette";
import { MetricLine } from "~/lib/runs/metric-points";
import { runMarkers } from "~/lib/runs/phases";
import { SeriesChart, type ChartLine } from "../chart/series-chart";
import { SmoothingSlider, useSmoothing } from "../chart/smoothing-slider";

/**
 * Total, KD and CE loss by step (and the attention-map loss, in runs that have it) with the temperature on a
 * second axis and a marker per stage start; in a KD + DAE run, the start of each phase is marked too.
 */
export function LossChart({ run, version }: { run: LiveRun; version: number }) {
  const [smoothing, setSmoothing] = useSmoothing("smoothing");
  // Follow run.metrics as it grows in place: each update reads only the new rows and smooths only new points.
  const metric = useMemo(
    () => ({
      loss: new MetricLine("loss"),
      kd: new MetricLine("kd_loss"),
      ce: new MetricLine("ce_loss"),
      attn: new MetricLine("attn_loss"),
      temperature: new MetricLine("temperature"),
    }),
    [run],
  );
  const lines = useMemo<ChartLine[]>(
    () => {
      const attn = metric.attn.update(run.metrics);
      return [
        { name: "total loss", color: LOSS_COLORS.loss, series: metric.loss.update(run.metrics) },
        { name: "KD loss", color: LOSS_COLORS.kd, series: metric.kd.update(run.metrics) },
        { name: "CE loss", color: LOSS_COLORS.ce, series: metric.ce.update(run.metrics) },
        ...(attn.length > 0 ? [{ name: "attention loss", color: LOSS_COLORS.attn, series: attn }] : []),
        { name: "temperature", color: LOSS_COLORS.temperature, series: metric.temperature.update(run.metrics), axis: "right" as const, smooth: false, dashed: true },
      ];
    },
    // the series grows in place; version says when
    [run, metric, version],
  );
  const markers = runMarkers(run.stages, run.phases, (s) => `stage ${s.stage}/${s.num_stages} · T ${s.temperature} · α ${s.kd_weight}`);
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Loss</h2>
        <SmoothingSlider value={smoothing} onChange={setSmoothing} />
      </div>
      <SeriesChart testId="loss-chart" lines={lines} smoothing={smoothing} xLabel="optimizer step" yLabel="loss (nats)" rightLabel="temperature" integerX markers={markers} version={version} />
    </div>
  );
}
