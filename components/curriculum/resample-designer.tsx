"use client";

import { presetRatios, type RatioPreset, type ResampleCounts } from "~/lib/planning";
import type { DesignerState } from "~/lib/planning/designer-state";

type Props = {
  state: DesignerState;
  update: (patch: Partial<DesignerState>) => void;
  counts: ResampleCounts | null;
  /** Rows per type in the dataset (hand labels win), for the uniform and dataset presets. */
  typeCounts: Record<string, number>;
  hasDifficulty: boolean;
};

const num = (v: string) => (v.trim() === "" ? null : Number(v));

/** TAPIR ratios, N, δ, α and seed; the counts table follows every slider move (previewCounts). */
export function ResampleDesigner({ state, update, counts, typeCounts, hasDifficulty }: Props) {
  const applyPreset = (preset: RatioPreset) => update({ preset, ratios: presetRatios(preset, typeCounts) });
  const setRatio = (type: string, value: number) => update({ preset: "custom", ratios: { ...state.ratios, [type]: value } });
  return (
    <div className="panel" data-testid="resample-designer">
      <h2 style={{ marginTop: 0 }}>Resampling</h2>
      <div className="row">
        <span className="small">Preset:</span>
        <button data-testid="preset-tapir" onClick={() => applyPreset("tapir")}>TAPIR ratios</button>
        <button data-testid="preset-uniform" onClick={() => applyPreset("uniform")}>Uniform over present types</button>
        <button data-testid="preset-dataset" onClick={() => applyPreset("dataset")}>Dataset&apos;s own mix</button>
        <span className="badge">{state.preset}</span>
      </div>
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <label className="small">
          N <input type="number" min={1} value={state.n} onChange={(e) => update({ n: Math.max(1, Math.floor(Number(e.target.value) || 1)) })} style={{ width: 80 }} data-testid="field-n" />
        </label>
        <label className="small" title={hasDifficulty ? "" : "choose a difficulty pass first"}>
          δ threshold <input type="number" step="any" disabled={!hasDifficulty} value={state.threshold ?? ""} onChange={(e) => update({ threshold: num(e.target.value) })} style={{ width: 80 }} data-testid="field-threshold" />
        </label>
        <label className="small">
          α hard share <input type="number" step="0.05" min={0} max={1} disabled={!hasDifficulty} value={state.hardShare ?? ""} onChange={(e) => update({ hardShare: num(e.target.value) })} style={{ width: 70 }} data-testid="field-hard-share" />
        </label>
        <label className="small">
          seed <input type="number" min={0} value={state.seed} onChange={(e) => update({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} style={{ width: 70 }} data-testid="field-seed" />
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
          {(counts?.types ?? []).map((t) => (
            <tr key={t.type} data-testid={`type-row-${t.type}`} className={t.flagged ? "error" : undefined}>
              <td>{t.type}{t.flagged && " ⚠ no rows"}</td>
              <td>
                <input
                  type="range"
                  min={0}
                  max={0.3}
                  step={0.005}
                  value={state.ratios[t.type] ?? 0}
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
