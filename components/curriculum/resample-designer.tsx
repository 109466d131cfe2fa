"use client";

import { useEffect, useState } from "react";
import { type CurriculumInput, overRepeated, presetRatios, REPEAT_WARNING_FACTOR, type RatioPreset, type ResampleCounts } from "~/lib/planning";
import type { DesignerState } from "~/lib/planning/designer-state";
import { TermHelp } from "./term-help";

type Props = {
  state: DesignerState;
  update: (patch: Partial<DesignerState>) => void;
  /** The curriculum the state describes, defaults filled in from the data (N, ratios). */
  spec: CurriculumInput;
  evalSize: number;
  counts: ResampleCounts | null;
  /** Rows per type among the training rows (hand labels win), for the presets. */
  typeCounts: Record<string, number>;
  hasDifficulty: boolean;
};

const num = (v: string) => (v.trim() === "" ? null : Number(v));
const times = (x: number) => `${x >= 10 ? Math.round(x) : Math.round(x * 10) / 10}×`;

/**
 * A whole-number input that keeps what is typed: setting the design's value on every keystroke would turn an
 * emptied field into its minimum at once (N became 1, and typing 20 then gave 120). Emptied or not a number, the
 * design keeps its value until a number is typed; leaving the field shows the design's value again.
 */
function WholeNumberInput(props: { value: number | null; min: number; onValue: (v: number) => void; width: number; testId: string }) {
  const shown = props.value == null ? "" : String(props.value);
  const [text, setText] = useState(shown);
  useEffect(() => {
    if (text.trim() === "" || Number(text) !== props.value) setText(shown);
    // only an outside change (a preset, a reload) rewrites the text
  }, [props.value]);
  return (
    <input
      type="number"
      min={props.min}
      value={text}
      style={{ width: props.width }}
      data-testid={props.testId}
      onChange={(e) => {
        setText(e.target.value);
        const v = Math.floor(Number(e.target.value));
        if (e.target.value.trim() !== "" && Number.isFinite(v)) props.onValue(Math.max(props.min, v));
      }}
      onBlur={() => setText(shown)}
    />
  );
}

/** Eval rows, TAPIR ratios, N, δ, α and seed; the counts table follows every slider move (previewCounts). */
export function ResampleDesigner({ state, update, spec, evalSize, counts, typeCounts, hasDifficulty }: Props) {
  const ratios = (spec.resample?.ratios ?? {}) as Record<string, number>;
  const applyPreset = (preset: RatioPreset) => update({ preset, ratios: presetRatios(preset, typeCounts) });
  const setRatio = (type: string, value: number) => update({ preset: "custom", ratios: { ...ratios, [type]: value } });
  const repeated = counts ? overRepeated(counts) : [];
  return (
    <div className="panel" data-testid="resample-designer">
      <h2 style={{ marginTop: 0 }}>
        Resampling <TermHelp term="TAPIR" />
      </h2>
      <div className="row">
        <span className="small">
          Task ratios <TermHelp term="task ratios" />, preset:
        </span>
        <button data-testid="preset-tapir" onClick={() => applyPreset("tapir")}>TAPIR ratios</button>
        <button data-testid="preset-uniform" onClick={() => applyPreset("uniform")}>Uniform over present types</button>
        <button data-testid="preset-dataset" onClick={() => applyPreset("dataset")}>Dataset&apos;s own mix</button>
        <span className="badge">{state.preset}</span>
      </div>
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <label className="small">
          eval rows <TermHelp term="eval rows" />{" "}
          <WholeNumberInput min={0} value={evalSize} onValue={(evalSize) => update({ evalSize })} width={70} testId="field-eval" />
        </label>
        <label className="small">
          N <TermHelp term="N" />{" "}
          <WholeNumberInput min={1} value={spec.resample?.n ?? null} onValue={(n) => update({ n })} width={80} testId="field-n" />
        </label>
        <label className="small" title={hasDifficulty ? "" : "choose a difficulty pass first"}>
          δ threshold <TermHelp term="δ" />{" "}
          <input type="number" step="any" disabled={!hasDifficulty} value={state.threshold ?? ""} onChange={(e) => update({ threshold: num(e.target.value) })} style={{ width: 80 }} data-testid="field-threshold" />
        </label>
        <label className="small">
          α hard share <TermHelp term="α" />{" "}
          <input type="number" step="0.05" min={0} max={1} disabled={!hasDifficulty} value={state.hardShare ?? ""} onChange={(e) => update({ hardShare: num(e.target.value) })} style={{ width: 70 }} data-testid="field-hard-share" />
        </label>
        <label className="small">
          seed <WholeNumberInput min={0} value={state.seed} onValue={(seed) => update({ seed })} width={70} testId="field-seed" />
        </label>
      </div>
      {counts && (
        <p className="small" data-testid="resample-summary">
          Selected <b data-testid="selected-total">{counts.selectedTotal}</b> of N = {counts.n} (targets {counts.targetTotal})
          {counts.missing.length > 0 && (
            <span className="error" data-testid="missing-types"> · no rows for {counts.missing.join(", ")} ({counts.missingTarget} targeted rows left out)</span>
          )}
        </p>
      )}
      {repeated.length > 0 && (
        <div className="warn small" role="status" data-testid="repeat-warnings">
          Repeated more than {REPEAT_WARNING_FACTOR}× (the run sees the same rows again and again; lower N or these ratios):
          <ul>
            {repeated.map((w) => (
              <li key={w.type} data-testid={`repeat-warning-${w.type}`}>
                {w.type}: {w.selected} samples from {w.available} {w.available === 1 ? "row" : "rows"}, each used about {times(w.factor)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <table className="small">
        <thead>
          <tr>
            <th>Task type</th>
            <th>Ratio</th>
            <th>Available</th>
            <th>Hard</th>
            <th>Target</th>
            <th>Selected</th>
            <th>Repeats</th>
          </tr>
        </thead>
        <tbody>
          {/* Types without rows are listed only when a ratio asks for them (flagged). */}
          {(counts?.types ?? []).filter((t) => t.available > 0 || t.ratio > 0).map((t) => (
            <tr key={t.type} data-testid={`type-row-${t.type}`} className={t.flagged ? "error" : undefined}>
              <td>{t.type}{t.flagged && " ⚠ no rows"}</td>
              <td>
                <input
                  type="range"
                  min={0}
                  max={0.3}
                  step={0.005}
                  value={ratios[t.type] ?? 0}
                  onChange={(e) => setRatio(t.type, Number(e.target.value))}
                  aria-label={`ratio of ${t.type}`}
                  data-testid={`ratio-${t.type}`}
                />{" "}
                {(t.ratio * 100).toFixed(1)}%
              </td>
              <td>{t.available}</td>
              <td>{t.hardAvailable}</td>
              <td data-testid={`target-${t.type}`}>{t.target}</td>
              <td data-testid={`selected-${t.type}`}>{t.selected}</td>
              <td>{t.repeats > 0 ? `×${t.repeats}` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
