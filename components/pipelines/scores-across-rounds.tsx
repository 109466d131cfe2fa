"use client";

import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_TICK as tick, axisTitle, GRID, ROLE, seriesColor } from "~/lib/charts/palette";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { metricLabel } from "~/lib/evaluation/metrics";
import type { ScoreSeries } from "~/lib/pipelines/score-series";

const fixed = (v: number) => Number(v.toFixed(2)).toString();

/** One score across the rounds, the initial student and the teacher as dashed reference lines. */
function ScoreChart({ series, rounds }: { series: ScoreSeries; rounds: number }) {
  const values = [...series.points.map((p) => p.value), series.initial, series.teacher].filter((v): v is number => v != null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.max(Math.abs(hi) * 0.1, 1);
  // Every round on the axis, those not evaluated yet without a value: the reference lines show from the start.
  const byRound = new Map(series.points.map((p) => [p.round, p.value]));
  const data = Array.from({ length: Math.max(1, rounds) }, (_, i) => ({ round: i + 1, value: byRound.get(i + 1) ?? null }));
  return (
    <ResponsiveContainer width="100%" height={220}>
      <LineChart data={data} margin={{ top: 10, right: 80, bottom: 20, left: 10 }}>
        <CartesianGrid stroke={GRID} />
        <XAxis type="number" dataKey="round" domain={[1, Math.max(1, rounds)]} allowDecimals={false} tick={tick} label={axisTitle("round")} />
        <YAxis domain={[lo - pad, hi + pad]} tickFormatter={fixed} tick={tick} width={50} label={axisTitle(metricLabel(series.metric), "left")} />
        <Tooltip formatter={(v) => (typeof v === "number" ? fixed(v) : String(v))} labelFormatter={(r) => `round ${r}`} />
        <Legend verticalAlign="top" height={24} />
        {series.initial != null && (
          <ReferenceLine y={series.initial} stroke={ROLE.kdWeight} strokeDasharray="5 3" label={{ value: `initial student ${fixed(series.initial)}`, position: "right", fontSize: 11, fill: ROLE.kdWeight }} />
        )}
        {series.teacher != null && (
          <ReferenceLine y={series.teacher} stroke={ROLE.temperature} strokeDasharray="5 3" label={{ value: `teacher ${fixed(series.teacher)}`, position: "right", fontSize: 11, fill: ROLE.temperature }} />
        )}
        <Line dataKey="value" name="round's student" stroke={seriesColor(0)} isAnimationActive={false} dot />
      </LineChart>
    </ResponsiveContainer>
  );
}

/**
 * Each evaluation score across the pipeline's rounds: one chart per suite, its headline metric first and any other
 * of its metrics on request.
 */
export function ScoresAcrossRounds({ series, rounds }: { series: readonly ScoreSeries[]; rounds: number }) {
  const suites = [...new Set(series.map((s) => s.suite))];
  const [picked, setPicked] = useState<Record<string, string>>({});
  if (suites.length === 0) return <p className="muted small">No round has been evaluated yet.</p>;
  return (
    <div className="grid2" data-testid="scores-across-rounds">
      {suites.map((suite) => {
        const ofSuite = series.filter((s) => s.suite === suite);
        const shown = ofSuite.find((s) => s.metric === picked[suite]) ?? ofSuite[0]!;
        return (
          <div key={suite} data-testid={`score-chart-${suite}`} data-metric={shown.metric} data-points={shown.points.length}>
            <div className="row" style={{ justifyContent: "space-between" }}>
              <h3 style={{ margin: 0 }}>{SUITE_INFO[suite].label}</h3>
              {ofSuite.length > 1 && (
                <select aria-label={`${SUITE_INFO[suite].label} metric`} value={shown.metric} onChange={(e) => setPicked({ ...picked, [suite]: e.target.value })}>
                  {ofSuite.map((s) => (
                    <option key={s.metric} value={s.metric}>
                      {metricLabel(s.metric)}
                    </option>
                  ))}
                </select>
              )}
            </div>
            <ScoreChart series={shown} rounds={rounds} />
          </div>
        );
      })}
    </div>
  );
}
