"use client";

import { useQuery } from "@tanstack/react-query";
import { memo, useMemo } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "~/components/trpc/react";
import { binValues } from "~/lib/charts/histogram-bins";
import { AXIS_TICK as tick, axisTitle, GRID, seriesColor } from "~/lib/charts/palette";
import { assignBuckets, bucketSummaries, type ComponentName, SCORE_COMPONENTS } from "~/lib/charts/score-components";
import type { RowFilter } from "./analysis-charts";


/**
 * What the score pass measured, one histogram per stored measure, and the two first measures against each other
 * coloured by the bucket POCL would put each row in (K from the schedule), with every bucket's size and typical
 * rows. Clicking a bin, a point or a bucket filters the row list below.
 */
export const ScoreComponentCharts = memo(function ScoreComponentCharts(props: {
  datasetId: string;
  scoreResultId: string;
  difficulty: readonly (number | null)[];
  buckets: number;
  onFilter: (patch: Partial<RowFilter>) => void;
}) {
  const trpc = useTRPC();
  const stored = useQuery(trpc.curriculum.scoreComponents.queryOptions({ datasetId: props.datasetId, scoreResultId: props.scoreResultId }));
  const bucketOf = useMemo(() => assignBuckets(props.difficulty, props.buckets), [props.difficulty, props.buckets]);
  const summaries = useMemo(() => bucketSummaries(props.difficulty, bucketOf), [props.difficulty, bucketOf]);
  if (!stored.data) return stored.error ? <p className="error" role="alert">{stored.error.message}</p> : null;
  const names = Object.keys(stored.data.components) as ComponentName[];
  if (names.length === 0) return <p className="small muted">This score pass stored no measures beside its score.</p>;
  const pickBucket = (b: number) => {
    const s = summaries.find((x) => x.bucket === b);
    if (s) props.onFilter({ min: s.min, max: s.max, component: null });
  };
  return (
    <>
      <div className="grid2" data-testid="component-histograms" data-components={names.join(" ")}>
        {names.map((name) => (
          <ComponentHistogram key={name} name={name} values={stored.data.components[name]!} onRange={(min, max) => props.onFilter({ component: { name, min, max }, min: null, max: null })} />
        ))}
      </div>
      <div className="grid2">
        {names.length >= 2 && (
          <ComponentScatter x={names[0]!} y={names[1]!} xs={stored.data.components[names[0]!]!} ys={stored.data.components[names[1]!]!} bucketOf={bucketOf} buckets={props.buckets} onBucket={pickBucket} />
        )}
        <div className="panel" data-testid="bucket-table">
          <h3 style={{ marginTop: 0 }}>Buckets (K = {props.buckets}, easy → hard)</h3>
          <div className="scroll-x">
            <table className="small">
              <thead>
                <tr>
                  <th>Bucket</th>
                  <th>Rows</th>
                  <th>Difficulty</th>
                  <th>Typical prompts</th>
                </tr>
              </thead>
              <tbody>
                {summaries.map((s) => (
                  <tr key={s.bucket} data-testid="bucket-row">
                    <td>
                      <button className="linkish" onClick={() => pickBucket(s.bucket)} aria-label={`show the rows of bucket ${s.bucket + 1}`}>
                        <span className="swatch" style={{ background: seriesColor(s.bucket) }} /> {s.bucket + 1}
                      </button>
                    </td>
                    <td data-testid="bucket-size">{s.size}</td>
                    <td>
                      {s.min.toFixed(3)} – {s.max.toFixed(3)}
                    </td>
                    <td>
                      {s.typical.map((i) => (
                        <div key={i} className="line" style={{ maxWidth: "28rem" }} title={stored.data.prompts[i]}>
                          {stored.data.prompts[i]}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </>
  );
});

function ComponentHistogram({ name, values, onRange }: { name: ComponentName; values: readonly (number | null)[]; onRange: (min: number, max: number) => void }) {
  const data = useMemo(() => binValues(values, 20).map((b) => ({ label: b.start.toPrecision(3), count: b.count, start: b.start, end: b.end })), [values]);
  const { title, unit } = SCORE_COMPONENTS[name];
  return (
    <div className="panel" data-testid={`component-histogram-${name}`} data-bins={data.length}>
      <h3 style={{ marginTop: 0 }}>{title}</h3>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={GRID} />
          <XAxis dataKey="label" tick={tick} label={axisTitle(unit)} />
          <YAxis allowDecimals={false} tick={tick} width={45} label={axisTitle("rows", "left")} />
          <Tooltip formatter={(v) => [v, "rows"]} labelFormatter={(_, p) => (p[0] ? `${(p[0].payload as { start: number }).start.toFixed(3)} – ${(p[0].payload as { end: number }).end.toFixed(3)}` : "")} />
          <Bar dataKey="count" name="rows" fill={seriesColor(0)} cursor="pointer" onClick={(d) => { const b = d as unknown as { start: number; end: number }; onRange(b.start, b.end); }} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function ComponentScatter(props: {
  x: ComponentName;
  y: ComponentName;
  xs: readonly (number | null)[];
  ys: readonly (number | null)[];
  bucketOf: Int32Array;
  buckets: number;
  onBucket: (bucket: number) => void;
}) {
  const groups = useMemo(() => {
    const out = Array.from({ length: props.buckets }, () => [] as { x: number; y: number; bucket: number }[]);
    props.bucketOf.forEach((b, i) => {
      const x = props.xs[i];
      const y = props.ys[i];
      if (b >= 0 && x != null && y != null) out[b]!.push({ x, y, bucket: b });
    });
    return out;
  }, [props.xs, props.ys, props.bucketOf, props.buckets]);
  const xc = SCORE_COMPONENTS[props.x];
  const yc = SCORE_COMPONENTS[props.y];
  return (
    <div className="panel" data-testid="component-scatter" data-points={groups.reduce((n, g) => n + g.length, 0)}>
      <h3 style={{ marginTop: 0 }}>
        {xc.title} against {yc.title.toLowerCase()}, by bucket
      </h3>
      <ResponsiveContainer width="100%" height={280}>
        <ScatterChart margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={GRID} />
          <XAxis type="number" dataKey="x" name={props.x} tick={tick} domain={["auto", "auto"]} label={axisTitle(`${props.x} (${xc.unit.split(";")[0]})`)} />
          <YAxis type="number" dataKey="y" name={props.y} tick={tick} width={50} domain={["auto", "auto"]} label={axisTitle(`${props.y} (${yc.unit.split(";")[0]})`, "left")} />
          <Tooltip cursor={{ strokeDasharray: "3 3" }} />
          <Legend verticalAlign="top" height={24} />
          {groups.map((points, b) => (
            <Scatter key={b} name={`bucket ${b + 1}`} data={points} fill={seriesColor(b)} cursor="pointer" onClick={() => props.onBucket(b)} isAnimationActive={false} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
