"use client";

import { useMemo } from "react";
import { seriesColor } from "~/lib/charts/palette";
import { BucketLossLines } from "~/lib/runs/bucket-loss";
import type { LiveRun } from "~/lib/runs/live-run";
import { runMarkers } from "~/lib/runs/phases";
import { SeriesChart, type ChartLine } from "../chart/series-chart";
import { SmoothingSlider, useSmoothing } from "../chart/smoothing-slider";

/**
 * Training loss per POCL bucket by step, one line per bucket, coloured as the designer colours buckets (bucket 1
 * takes the first series colour). Shown only for runs whose metrics carry bucket losses (not plain runs).
 */
export function BucketLossChart({ run, version }: { run: LiveRun; version: number }) {
  const [smoothing, setSmoothing] = useSmoothing("bucket_smoothing");
  const buckets = useMemo(() => new BucketLossLines(), [run]);
  const { numbers, lines } = useMemo(() => {
    const found = buckets.update(run.metrics);
    const lines: ChartLine[] = found.map(({ bucket, series }) => ({ name: `bucket ${bucket}`, color: seriesColor(bucket - 1), series }));
    return { numbers: found.map((l) => l.bucket), lines };
    // the series grows in place; version says when
  }, [run, buckets, version]);
  if (lines.length === 0) return null;
  const markers = runMarkers(run.stages, run.phases, (s) => `stage ${s.stage}/${s.num_stages}`);
  return (
    <div className="panel" data-testid="bucket-loss" data-buckets={numbers.join(" ")}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Training loss by bucket</h2>
        <SmoothingSlider value={smoothing} onChange={setSmoothing} />
      </div>
      <p className="small muted" style={{ margin: "4px 0" }}>
        Each bucket&apos;s mean loss over the samples it contributed to a step (a sample&apos;s loss is the mean over its answer tokens).
      </p>
      <SeriesChart testId="bucket-loss-chart" lines={lines} smoothing={smoothing} xLabel="optimizer step" yLabel="loss (nats)" integerX markers={markers} version={version} />
    </div>
  );
}
