"use client";

import { useMemo } from "react";
import { seriesColor } from "~/lib/charts/palette";
import type { LiveRun } from "~/lib/runs/live-run";
import { MetricLine } from "~/lib/runs/metric-points";
import { describePhase, runMarkers } from "~/lib/runs/phases";
import { SeriesChart, type ChartLine } from "../chart/series-chart";
import { SmoothingSlider, useSmoothing } from "../chart/smoothing-slider";

/**
 * A KD + DAE run's phases and, in its DAE phase, the training loss of the domain rows (whose target is the domain
 * expert's) and of the other rows (the reference model's), each its own curve. Shown only for runs with phases.
 */
export function GroupLossChart({ run, version }: { run: LiveRun; version: number }) {
  const [smoothing, setSmoothing] = useSmoothing("group_smoothing");
  const groups = useMemo(
    () => ({ domain: new MetricLine((m) => m.group_loss?.domain), other: new MetricLine((m) => m.group_loss?.other) }),
    [run],
  );
  const lines = useMemo<ChartLine[]>(
    () => [
      { name: "domain rows (expert's target)", color: seriesColor(0), series: groups.domain.update(run.metrics) },
      { name: "other rows (reference's target)", color: seriesColor(2), series: groups.other.update(run.metrics) },
    ],
    // the series grows in place; version says when
    [run, groups, version],
  );
  if (run.phases.length === 0) return null;
  const markers = runMarkers(run.stages, run.phases, (s) => `stage ${s.stage}/${s.num_stages}`);
  return (
    <div
      className="panel"
      data-testid="group-loss"
      data-phases={run.phases.map((p) => p.phase).join(" ")}
      data-groups={(["domain", "other"] as const).filter((g) => groups[g].series.length > 0).join(" ")}
    >
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Phases and DAE loss by group</h2>
        <SmoothingSlider value={smoothing} onChange={setSmoothing} />
      </div>
      <ol className="small" data-testid="run-phases">
        {run.phases.map((p) => (
          <li key={p.seq} data-testid="run-phase" data-phase={p.phase}>
            {describePhase(p)}, from update {p.step + 1} ({p.steps} updates)
          </li>
        ))}
      </ol>
      <p className="small muted" style={{ margin: "4px 0" }}>
        In the DAE phase each group&apos;s mean loss over the samples it contributed to a step (a sample&apos;s loss is the mean over its answer tokens).
      </p>
      <SeriesChart testId="group-loss-chart" lines={lines} smoothing={smoothing} xLabel="optimizer step" yLabel="loss (nats)" integerX markers={markers} version={version} />
    </div>
  );
}
