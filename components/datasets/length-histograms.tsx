"use client";

import { useQuery } from "@tanstack/react-query";
import { memo } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisTitle } from "~/lib/charts/palette";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import type { RouterOutputs } from "~/components/trpc/types";

type Histogram = RouterOutputs["datasets"]["histogram"];
type Bin = Histogram["prompt"][number];

const UNIT_WORD: Record<Histogram["unit"], string> = { chars: "characters", tokens: "tokens" };

/** Prompt and response length distributions side by side; the axis names the unit the lengths are in. */
export const LengthHistograms = memo(function LengthHistograms({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const histogram = useQuery(trpc.datasets.histogram.queryOptions({ id: datasetId }));
  if (histogram.isPending) return <p className="muted">Computing the length histograms…</p>;
  if (histogram.error) return <p className="error" role="alert">{histogram.error.message}</p>;
  const unit = UNIT_WORD[histogram.data.unit];
  return (
    <div className="grid2">
      <LengthChart title="Prompt length" unit={unit} bins={histogram.data.prompt} testId="histogram-prompt" />
      <LengthChart title="Response length" unit={unit} bins={histogram.data.response} testId="histogram-response" />
    </div>
  );
});

function LengthChart(props: { title: string; unit: string; bins: Bin[]; testId: string }) {
  const data = props.bins.map((b) => ({ range: `${formatCount(b.start)}–${formatCount(b.end)}`, count: b.count }));
  return (
    <figure className="panel" style={{ margin: 0 }} data-testid={props.testId}>
      <figcaption className="small">
        <b>{props.title}</b> <span className="muted">({props.unit})</span>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted">No rows.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="range"
              tick={{ fontSize: 10 }}
              interval="preserveStartEnd"
              label={{ value: `${props.title} (${props.unit})`, position: "insideBottom", offset: -16, fontSize: 12 }}
            />
            <YAxis allowDecimals={false} tick={{ fontSize: 10 }} width={64} tickFormatter={(v: number) => formatCount(v)} label={axisTitle("rows", "left")} />
            <Tooltip formatter={(value) => [formatCount(Number(value)), "rows"]} labelFormatter={(range) => `${range} ${props.unit}`} />
            <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
