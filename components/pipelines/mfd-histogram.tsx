"use client";

import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_TICK as tick, axisTitle, GRID, seriesColor } from "~/lib/charts/palette";
import type { MfdSummary } from "~/lib/contracts/pipeline";
import { formatShare, hardShare, mfdBins } from "~/lib/pipelines/round-charts";

const label = (v: number) => Number(v.toPrecision(3)).toString();

/**
 * The seed pool's MFD after the round (the judge's score of the teacher's answer − the student's) in bins split at
 * δ: hard prompts (MFD > δ) in one colour, the rest in another, with how many are hard.
 */
export function MfdHistogram({ mfd }: { mfd: MfdSummary }) {
  const bins = useMemo(() => mfdBins(mfd.values, mfd.delta), [mfd]);
  const { hard, judged, share } = useMemo(() => hardShare(mfd.values, mfd.delta), [mfd]);
  const data = bins.map((b) => ({ range: `(${label(b.start)}, ${label(b.end)}]`, count: b.count, hard: b.hard }));
  return (
    <div data-testid="round-mfd" data-bins={bins.length} data-hard={hard} data-judged={judged}>
      <p className="small" data-testid="mfd-hard-share">
        Hard (MFD &gt; δ = {mfd.delta}): <b>{hard}</b> of {judged} judged prompts ({formatShare(share)})
        {mfd.mean != null && <> · mean MFD {mfd.mean.toFixed(2)}</>}
        {mfd.unscored > 0 && <span className="muted"> · {mfd.unscored} without a usable judgment, left out</span>}
      </p>
      <p className="small row" style={{ gap: "1rem" }}>
        <span>
          <span className="swatch" style={{ background: seriesColor(0) }} /> MFD ≤ δ
        </span>
        <span>
          <span className="swatch" style={{ background: seriesColor(2) }} /> hard: MFD &gt; δ (the bins&apos; edges fall on δ)
        </span>
      </p>
      {data.length === 0 ? (
        <p className="muted small">No prompt has a usable judgment.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} margin={{ top: 5, right: 10, bottom: 20, left: 10 }}>
            <CartesianGrid strokeDasharray="3 3" stroke={GRID} vertical={false} />
            <XAxis dataKey="range" tick={tick} label={axisTitle("MFD: teacher's rating − student's (judge, 1–10)")} />
            <YAxis allowDecimals={false} tick={tick} width={45} label={axisTitle("prompts", "left")} />
            <Tooltip />
            <Bar dataKey="count" name="prompts" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.range} fill={d.hard ? seriesColor(2) : seriesColor(0)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
