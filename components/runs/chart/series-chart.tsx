"use client";

import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_TEXT, AXIS_TICK, axisTitle, GRID } from "~/lib/charts/palette";
import type { LineSeries } from "~/lib/runs/series";

export type ChartLine = {
  name: string;
  color: string;
  /** Full resolution; may grow in place between renders (then `version` changes). */
  series: LineSeries;
  /** "right" puts it on the second axis (temperature). */
  axis?: "left" | "right";
  /** Smoothing applies to loss-like lines, not to step-shaped settings such as temperature. */
  smooth?: boolean;
  dashed?: boolean;
};

function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    if (!ref.current) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(200, Math.floor(entry!.contentRect.width))));
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

const compact = (v: number) => (Math.abs(v) >= 1e4 ? v.toExponential(1) : Number(v.toPrecision(4)).toString());

/**
 * Lines over a numeric x axis, each smoothed at full resolution and then LTTB-downsampled to about one point
 * per horizontal pixel, so very long series stay fluid (LineSeries: typed arrays, incremental EMA, memoised
 * per line). `data-points` carries the full-resolution count.
 */
export function SeriesChart(props: {
  lines: ChartLine[];
  smoothing: number;
  xLabel: string;
  /** Titles of the left and right y axes (with units). */
  yLabel?: string;
  rightLabel?: string;
  /** Whole-number ticks on x (optimizer steps). */
  integerX?: boolean;
  markers?: { x: number; label: string }[];
  height?: number;
  testId: string;
  /** Bumped when points were appended in place, so memoised series are recomputed. */
  version?: number;
}) {
  const [ref, width] = useWidth();
  const plotWidth = Math.max(50, width - 120);
  // The slider stays responsive while long series are re-smoothed in the background.
  const smoothing = useDeferredValue(props.smoothing);
  const rendered = useMemo(
    () =>
      props.lines.map((line) => ({
        ...line,
        data: line.series.chart(line.smooth === false ? 0 : smoothing, plotWidth),
      })),
    [props.lines, smoothing, plotWidth, props.version],
  );
  const total = props.lines.reduce((n, l) => n + l.series.length, 0);
  const hasRight = props.lines.some((l) => l.axis === "right" && l.series.length > 0);
  return (
    <div
      ref={ref}
      data-testid={props.testId}
      data-points={total}
      data-markers={props.markers?.length ?? 0}
      data-rendered-points={rendered.reduce((n, l) => n + l.data.length, 0)}
      style={{ width: "100%" }}
    >
      {total === 0 ? (
        <p className="muted" style={{ height: props.height ?? 320 }}>
          No points yet.
        </p>
      ) : (
        <LineChart width={width} height={props.height ?? 320} margin={{ top: 10, right: 10, bottom: 20, left: props.yLabel ? 10 : 0 }}>
          <CartesianGrid stroke={GRID} />
          <XAxis type="number" dataKey="x" domain={["dataMin", "dataMax"]} allowDecimals={!props.integerX} tickFormatter={compact} tick={AXIS_TICK} label={{ ...axisTitle(props.xLabel), offset: -10 }} allowDuplicatedCategory={false} />
          <YAxis yAxisId="left" tickFormatter={compact} width={60} domain={["auto", "auto"]} tick={AXIS_TICK} label={props.yLabel ? axisTitle(props.yLabel, "left") : undefined} />
          {hasRight && (
            <YAxis yAxisId="right" orientation="right" tickFormatter={compact} width={50} domain={[0, "auto"]} tick={AXIS_TICK} label={props.rightLabel ? axisTitle(props.rightLabel, "right") : undefined} />
          )}
          <Tooltip formatter={(v) => (typeof v === "number" ? compact(v) : String(v))} labelFormatter={(x) => `${props.xLabel} ${x}`} />
          <Legend verticalAlign="top" height={24} />
          {props.markers?.map((m) => (
            <ReferenceLine key={`${m.x}-${m.label}`} x={m.x} yAxisId="left" stroke={AXIS_TEXT} strokeDasharray="4 4" label={{ value: m.label, position: "insideTopLeft", fontSize: 11, fill: AXIS_TEXT }} />
          ))}
          {rendered
            .filter((l) => l.axis !== "right" || hasRight)
            .map((l) => (
              <Line
                key={l.name}
                name={l.name}
                data={l.data}
                dataKey="y"
                yAxisId={l.axis ?? "left"}
                stroke={l.color}
                strokeDasharray={l.dashed ? "5 3" : undefined}
                dot={false}
                isAnimationActive={false}
                type={l.axis === "right" ? "stepAfter" : "linear"}
              />
            ))}
        </LineChart>
      )}
    </div>
  );
}
