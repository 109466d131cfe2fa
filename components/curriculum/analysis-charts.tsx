"use client";

import { useMemo } from "react";
import { Bar, BarChart, Brush, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ResampleCounts } from "~/lib/planning";
import { binValues, quartiles } from "~/lib/charts/histogram-bins";

export type RowFilter = { type: string | null; min: number | null; max: number | null };

/** Rows per task type beside the target (ratio × N) of the current design; clicking a bar filters the rows. */
export function TypeChart({ counts, onPick }: { counts: ResampleCounts | null; onPick: (type: string) => void }) {
  const data = (counts?.types ?? []).filter((t) => t.available > 0 || t.target > 0).map((t) => ({ type: t.type, rows: t.available, target: t.target }));
  return (
    <div className="panel" data-testid="type-histogram" data-types={data.length}>
      <h3 style={{ marginTop: 0 }}>Task types: rows and target (ratio × N)</h3>
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={data} margin={{ bottom: 70 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="type" angle={-40} textAnchor="end" interval={0} fontSize={11} />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend verticalAlign="top" />
          <Bar dataKey="rows" name="rows in dataset" fill="#4f6bed" cursor="pointer" onClick={(d) => onPick((d as unknown as { type: string }).type)} />
          <Bar dataKey="target" name="target" fill="#f0a030" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Difficulty histogram of the chosen score pass; click a bin or brush a range to filter the rows. */
export function DifficultyChart({ difficulty, onRange }: { difficulty: readonly (number | null)[]; onRange: (min: number, max: number) => void }) {
  const bins = useMemo(() => binValues(difficulty, 20), [difficulty]);
  const data = bins.map((b) => ({ range: b.start.toFixed(2), count: b.count, start: b.start, end: b.end }));
  if (data.length === 0) return <p className="muted small">No difficulty scores in this pass.</p>;
  return (
    <div className="panel" data-testid="difficulty-histogram" data-bins={data.length}>
      <h3 style={{ marginTop: 0 }}>Difficulty (higher is harder)</h3>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="range" fontSize={11} />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="count" fill="#7a4fed" cursor="pointer" onClick={(d) => { const b = d as unknown as { start: number; end: number }; onRange(b.start, b.end); }} />
          <Brush dataKey="range" height={20} onChange={(r) => {
            const { startIndex, endIndex } = r as { startIndex?: number; endIndex?: number };
            if (startIndex != null && endIndex != null) onRange(data[startIndex]!.start, data[endIndex]!.end);
          }} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Difficulty by task type as quartile boxes on one shared scale (min–max whisker, Q1–Q3 box, median tick). */
export function DifficultyByType({ types, difficulty }: { types: readonly string[]; difficulty: readonly (number | null)[] }) {
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
          <span style={{ width: 200 }}>{type}</span>
          <div style={{ position: "relative", flex: 1, height: 14 }} title={`min ${q![0].toFixed(3)} · Q1 ${q![1].toFixed(3)} · median ${q![2].toFixed(3)} · Q3 ${q![3].toFixed(3)} · max ${q![4].toFixed(3)}`}>
            <div style={{ position: "absolute", left: pct(q![0]), width: `calc(${pct(q![4])} - ${pct(q![0])})`, top: 6, height: 2, background: "#999" }} />
            <div style={{ position: "absolute", left: pct(q![1]), width: `calc(${pct(q![3])} - ${pct(q![1])})`, top: 1, height: 12, background: "#c9bdf7", border: "1px solid #7a4fed" }} />
            <div style={{ position: "absolute", left: pct(q![2]), width: 2, top: 0, height: 14, background: "#3b1fa8" }} />
          </div>
        </div>
      ))}
      <p className="small muted">Scale {lo.toFixed(3)} – {hi.toFixed(3)}.</p>
    </div>
  );
}
