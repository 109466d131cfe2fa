"use client";

import { memo, useMemo } from "react";
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { expandSeries, type SchedulePreview } from "~/lib/planning";
import type { RouterOutputs } from "~/components/trpc/types";
import type { DesignerState } from "~/lib/planning/designer-state";
import { AXIS_TEXT, AXIS_TICK, axisTitle, GRID, ROLE, seriesColor } from "~/lib/charts/palette";
import { planSummary } from "~/lib/planning/plan-summary";
import type { MethodTerm } from "./method-terms";
import { TermHelp } from "./term-help";

type Scores = RouterOutputs["curriculum"]["results"]["scores"];

function NumberField(props: { label: string; help?: MethodTerm; value: number; step?: number; min?: number; max?: number; testId: string; onChange: (v: number) => void }) {
  return (
    <label className="small">
      {props.label} {props.help && <TermHelp term={props.help} />}{" "}
      <input type="number" value={props.value} step={props.step ?? 1} min={props.min} max={props.max} style={{ width: 70 }} data-testid={props.testId}
        onChange={(e) => { const v = Number(e.target.value); if (Number.isFinite(v)) props.onChange(v); }} />
    </label>
  );
}

/** POCL buckets and stages; the chart shows samples active per bucket and the temperature and KD-weight ramps. */
export function ScheduleDesigner({ state, update, preview, scores }: { state: DesignerState; update: (p: Partial<DesignerState>) => void; preview: SchedulePreview | null; scores: Scores }) {
  return (
    <div className="panel" data-testid="schedule-designer">
      <h2 style={{ marginTop: 0 }}>
        POCL schedule <TermHelp term="POCL" />
      </h2>
      <div className="row">
        <TermHelp term="baby steps" />
        <select aria-label="Schedule" value={state.mode} onChange={(e) => update({ mode: e.target.value as DesignerState["mode"] })} data-testid="field-mode">
          <option value="cumulative">cumulative (baby steps)</option>
          <option value="per_bucket">one bucket per stage</option>
          <option value="plain">plain (one stage)</option>
        </select>
        <label className="small">
          bucket by{" "}
          <select value={state.bucketBy ?? ""} onChange={(e) => update({ bucketBy: e.target.value || null })} data-testid="field-bucket-by">
            <option value="">— choose a score pass —</option>
            {scores.map((s) => (
              <option key={s.id} value={s.id}>{s.scorer} · {new Date(s.createdAt).toLocaleString()}</option>
            ))}
          </select>
        </label>
        <NumberField label="K buckets" help="buckets" value={state.buckets} min={1} max={64} testId="field-buckets" onChange={(v) => update({ buckets: Math.max(1, Math.min(64, Math.floor(v))) })} />
        <NumberField label="epochs/stage" value={state.epochsPerStage} min={1} testId="field-epochs" onChange={(v) => update({ epochsPerStage: Math.max(1, Math.floor(v)) })} />
      </div>
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <NumberField label="T start" help="temperature" value={state.tStart} step={0.1} min={0.1} testId="field-t-start" onChange={(v) => update({ tStart: Math.max(0.1, v) })} />
        <NumberField label="T end" value={state.tEnd} step={0.1} min={0.1} testId="field-t-end" onChange={(v) => update({ tEnd: Math.max(0.1, v) })} />
        <NumberField label="KD weight start" help="KD weight" value={state.kdStart} step={0.05} min={0} max={1} testId="field-kd-start" onChange={(v) => update({ kdStart: Math.min(1, Math.max(0, v)) })} />
        <NumberField label="KD weight end" value={state.kdEnd} step={0.05} min={0} max={1} testId="field-kd-end" onChange={(v) => update({ kdEnd: Math.min(1, Math.max(0, v)) })} />
        <NumberField label="batch" value={state.batchSize} min={1} testId="field-batch" onChange={(v) => update({ batchSize: Math.max(1, Math.floor(v)) })} />
        <NumberField label="grad accum" value={state.gradAccum} min={1} testId="field-accum" onChange={(v) => update({ gradAccum: Math.max(1, Math.floor(v)) })} />
      </div>
      {preview && <ScheduleChart preview={preview} />}
    </div>
  );
}

/**
 * Points the schedule chart draws at most (besides each stage's first and last step). Every series is constant
 * within a stage, so the steps drawn look the same at any count, and a Recharts redraw costs per point.
 */
const CHART_POINTS = 60;

/*
 * The chart's parts that do not follow the schedule, made once. Recharts 3 keeps a chart's axes and series in a
 * store that each part re-registers whenever it re-renders with new props (a dispatch, then every part's
 * selectors run again, then another render in the next frame); parts that are the same elements are skipped, so
 * a redraw for new counts re-registers only the data, the buckets' areas and the stage lines that changed.
 */
const MARGIN = { top: 5, right: 10, bottom: 15, left: 10 };
const FRAME = (
  <>
    <CartesianGrid strokeDasharray="3 3" stroke={GRID} />
    <XAxis dataKey="step" type="number" domain={[1, "dataMax"]} allowDecimals={false} tick={AXIS_TICK} label={axisTitle("optimizer step")} />
    <YAxis yAxisId="samples" allowDecimals={false} tick={AXIS_TICK} label={axisTitle("active samples (rows)", "left")} />
    <YAxis yAxisId="ramp" orientation="right" domain={[0, "auto"]} tick={AXIS_TICK} label={axisTitle("temperature · KD weight", "right")} />
    <Tooltip />
    <Legend verticalAlign="top" />
  </>
);
const RAMPS = (
  <>
    <Line yAxisId="ramp" type="stepAfter" dataKey="temperature" stroke={ROLE.temperature} dot={false} isAnimationActive={false} />
    <Line yAxisId="ramp" type="stepAfter" dataKey="kd_weight" name="KD weight" stroke={ROLE.kdWeight} dot={false} isAnimationActive={false} />
  </>
);
const STAGE_LABEL = { value: "stage start", position: "insideTopLeft", fontSize: 11, fill: AXIS_TEXT } as const;

/** Samples per bucket, temperature and KD weight over the steps; memoised so it redraws only when the schedule changes. */
const ScheduleChart = memo(function ScheduleChart({ preview }: { preview: SchedulePreview }) {
  const series = useMemo(() => expandSeries(preview, CHART_POINTS), [preview]);
  const buckets = preview.bucketSizes.length;
  const areas = useMemo(
    () =>
      Array.from({ length: buckets }, (_, b) => (
        <Area key={b} yAxisId="samples" type="stepAfter" dataKey={`bucket_${b + 1}`} name={`bucket ${b + 1}`} stackId="b" stroke={seriesColor(b)} fill={seriesColor(b)} fillOpacity={0.4} isAnimationActive={false} />
      )),
    [buckets],
  );
  const boundaries = preview.boundaries.join(",");
  const stageLines = useMemo(
    // Keyed by position: a stage line that moves is updated in place, not unmounted and mounted again (each
    // (un)mount registers its layers in the store one dispatch at a time).
    () => preview.boundaries.map((s, i) => <ReferenceLine key={i} yAxisId="samples" x={s} stroke={AXIS_TEXT} strokeDasharray="4 4" label={STAGE_LABEL} />),
    [boundaries], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return (
    <div data-testid="schedule-chart" data-stages={preview.segments.length} data-steps={preview.totalSteps}>
      <p className="small muted" data-testid="schedule-summary">
        {planSummary(preview.segments.length, preview.totalSteps, preview.bucketSizes)}
      </p>
      <ResponsiveContainer width="100%" height={280}>
        <ComposedChart data={series} margin={MARGIN}>
          {FRAME}
          {areas}
          {RAMPS}
          {stageLines}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
});
