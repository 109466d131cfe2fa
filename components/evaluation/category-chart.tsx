"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_TICK as tick, axisTitle, GRID, seriesColor } from "~/lib/charts/palette";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES } from "~/lib/contracts/job";
import type { ScoredRow } from "./suite-tables";

/** Each judged suite's mean rating per category (MT-Bench's writing, math, …), a bar per model. */
export function CategoryChart({ rows }: { rows: ScoredRow[] }) {
  const suites = EVAL_SUITES.filter((suite) => rows.some((r) => r.evaluation.suites[suite]?.by_category));
  const [picked, setPicked] = useState<string | null>(null);
  const suite = suites.find((s) => s === picked) ?? suites[0];
  if (!suite) return null;
  const withSuite = rows.filter((r) => r.evaluation.suites[suite]?.by_category);
  const categories = [...new Set(withSuite.flatMap((r) => Object.keys(r.evaluation.suites[suite]!.by_category!)))].sort();
  const data = categories.map((category) => ({
    category,
    ...Object.fromEntries(withSuite.map((r) => [r.key, r.evaluation.suites[suite]!.by_category![category]?.mean ?? null])),
  }));
  return (
    <div data-testid="category-chart" data-suite={suite} data-categories={categories.join(" ")}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3 style={{ margin: 0 }}>{SUITE_INFO[suite].label} by category</h3>
        {suites.length > 1 && (
          <select value={suite} onChange={(e) => setPicked(e.target.value)} aria-label="suite">
            {suites.map((s) => (
              <option key={s} value={s}>
                {SUITE_INFO[s].label}
              </option>
            ))}
          </select>
        )}
      </div>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="category" tick={tick} />
          <YAxis domain={[0, 10]} tick={tick} width={40} label={axisTitle("judge's rating (1–10)", "left")} />
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(2) : String(v))} />
          <Legend />
          {withSuite.map((r, i) => (
            <Bar key={r.key} dataKey={r.key} name={r.label} fill={seriesColor(i)} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
