"use client";

import { memo, useMemo } from "react";
import { Bar, BarChart, Brush, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ResampleCounts } from "~/lib/planning";
import { binValues, quartiles } from "~/lib/charts/histogram-bins";
import { AXIS_TICK as tick, axisTitle, GRID, seriesColor } from "~/lib/charts/palette";
import type { ComponentName } from "~/lib/charts/score-components";
import { TypeBarLegend, TypeBarParts } from "./type-bar";

/** What the row list shows: a task type, a difficulty range, a range of one stored score measure. */
export type RowFilter = { type: string | null; min: number | null; max: number | null; component: { name: ComponentName; min: number; max: number } | null };
export const NO_FILTER: RowFilter = { type: null, min: null, max: null, component: null };

const rowsTitle = axisTitle("rows", "left");

/**
 * Rows per task type beside the target (ratio × N) of the current design, as plain bars on one scale; clicking a
 * type filters the rows. Plain elements, not Recharts: it redraws while a ratio slider moves, and a Recharts
 * redraw of 32 labelled categories took longer than a key repeat.
 */
export const TypeChart = memo(function TypeChart({ counts, onPick }: { counts: ResampleCounts | null; onPick: (type: string) => void }) {
  const data = (counts?.types ?? []).filter((t) => t.available > 0 || t.target > 0);
  const max = Math.max(1, ...data.map((t) => Math.max(t.available, t.target)));
  return (
    <div className="panel" data-testid="type-histogram" data-types={data.length}>
      <h3 style={{ marginTop: 0 }}>Task types: rows and target (ratio × N)</h3>
      <TypeBarLegend actual="rows in dataset" target="target">
        <span className="muted">bar length: rows (0 – {max})</span>
      </TypeBarLegend>
      {data.map((t) => (
        <button key={t.type} className="typeBar" data-testid="type-bar" onClick={() => onPick(t.type)} title={`${t.type}: ${t.available} rows, target ${t.target}`}>
          <TypeBarParts type={t.type} actual={t.available} target={t.target} max={max} figures={`${t.available} / ${t.target}`} />
        </button>
      ))}
    </div>
  );
});

/**
 * Difficulty histogram of the chosen score pass; click a bin or brush a range to filter the rows. A POCL score is
 * a fused rank, so this one is flat by construction; its measures have their own histograms (ScoreComponentCharts).
 */
export const DifficultyChart = memo(function DifficultyChart({ difficulty, onRange }: { difficulty: readonly (number | null)[]; onRange: (min: number, max: number) => void }) {
  const bins = useMemo(() => binValues(difficulty, 20), [difficulty]);
  const data = bins.map((b) => ({ range: b.start.toFixed(2), count: b.count, start: b.start, end: b.end }));
  if (data.length === 0) return <p className="muted small">No difficulty scores in this pass.</p>;
  return (
    <div className="panel" data-testid="difficulty-histogram" data-bins={data.length}>
      <h3 style={{ marginTop: 0 }}>Difficulty (higher is harder)</h3>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={GRID} />
          <XAxis dataKey="range" tick={tick} label={axisTitle("difficulty (the pass's normalised score)")} />
          <YAxis allowDecimals={false} tick={tick} width={45} label={rowsTitle} />
          <Tooltip />
          <Bar dataKey="count" name="rows" fill={seriesColor(3)} cursor="pointer" onClick={(d) => { const b = d as unknown as { start: number; end: number }; onRange(b.start, b.end); }} />
          <Brush dataKey="range" height={20} onChange={(r) => {
            const { startIndex, endIndex } = r as { startIndex?: number; endIndex?: number };
            if (startIndex != null && endIndex != null) onRange(data[startIndex]!.start, data[endIndex]!.end);
          }} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
});

/** Difficulty by task type as quartile boxes on one shared scale (min–max whisker, Q1–Q3 box, median tick). */
export const DifficultyByType = memo(function DifficultyByType({ types, difficulty }: { types: readonly string[]; difficulty: readonly (number | null)[] }) {
  const rows = useMemo(() => {
    const byType = new Map<string, (number | null)[]>();
    types.forEach((t, i) => {
      const list = byType.get(t) ?? [];
      list.push(difficulty[i] ?? null);
      byType.set(t, list);
    });
    return [...byType].map(([type, values]) => ({ type, q: quartiles(values) })).filter((r) => r.q != null).sort((a, b) => a.q![2] - b.q![2]);
  }, [types, difficulty]);
  if (rows.length === 0) return null;
  const lo = Math.min(...rows.map((r) => r.q![0]));
  const hi = Math.max(...rows.map((r) => r.q![4]));
  const pct = (v: number) => `${hi > lo ? ((v - lo) / (hi - lo)) * 100 : 50}%`;
  return (
    <div className="panel" data-testid="difficulty-by-type">
      <h3 style={{ marginTop: 0 }}>Difficulty by task type</h3>
      {rows.map(({ type, q }) => (
        <div key={type} className="row small" style={{ flexWrap: "nowrap" }}>
          <span style={{ width: "min(200px, 40%)", flexShrink: 0 }}>{type}</span>
          <div style={{ position: "relative", flex: 1, height: 14 }} title={`min ${q![0].toFixed(3)} · Q1 ${q![1].toFixed(3)} · median ${q![2].toFixed(3)} · Q3 ${q![3].toFixed(3)} · max ${q![4].toFixed(3)}`}>
            <div style={{ position: "absolute", left: pct(q![0]), width: `calc(${pct(q![4])} - ${pct(q![0])})`, top: 6, height: 2, background: "var(--muted)" }} />
            <div style={{ position: "absolute", left: pct(q![1]), width: `calc(${pct(q![3])} - ${pct(q![1])})`, top: 1, height: 12, background: "var(--accent-soft)", border: `1px solid ${seriesColor(3)}` }} />
            <div style={{ position: "absolute", left: pct(q![2]), width: 2, top: 0, height: 14, background: "var(--ink)" }} />
          </div>
        </div>
      ))}
      <p className="small muted">Scale {lo.toFixed(3)} – {hi.toFixed(3)}.</p>
    </div>
  );
});
