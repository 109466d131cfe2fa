"use client";

import { useMemo, useState } from "react";
import { seriesColor } from "~/lib/charts/palette";
import { metricSeries, type MetricPoint, type XAxisKey } from "~/lib/runs/metric-points";
import { SeriesChart } from "../chart/series-chart";
import { SmoothingSlider } from "../chart/smoothing-slider";

/** Total loss of several runs overlaid, by step or by tokens seen. */
export function CompareChart({ runs }: { runs: { id: string; name: string; metrics: MetricPoint[] }[] }) {
  const [x, setX] = useState<XAxisKey>("step");
  const [smoothing, setSmoothing] = useState(0.6);
  const lines = useMemo(
    () => runs.map((r, i) => ({ name: r.name, color: seriesColor(i), series: metricSeries(r.metrics, "loss", x) })),
    [runs, x],
  );
  return (
    <div className="panel">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Total loss</h2>
        <div className="row">
          <label style={{ flexDirection: "row", alignItems: "center", gap: "0.5rem" }}>
            x axis
            <select data-testid="x-axis" value={x} onChange={(e) => setX(e.target.value as XAxisKey)}>
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
