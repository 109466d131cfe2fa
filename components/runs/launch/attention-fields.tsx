"use client";

import type { LayerPair } from "~/lib/contracts/job";
import { type AttentionChoice, defaultLayerMap, HEAD_HANDLING } from "~/lib/runs/attention";
import { NumberField } from "./number-field";

/**
 * The attention-map loss (KD + DAE) in a launch form: on/off, its weight and the layer map as a small table of
 * (student layer, teacher layer) rows. Untouched, the table shows the map the trainer will use (a pruned
 * student's own teacher layers) and job.json leaves it out; the first edit makes it explicit.
 */
export function AttentionFields(props: {
  value: AttentionChoice;
  onChange: (value: AttentionChoice) => void;
  /** Known for a pruned student only, and the teacher's for the embedded one only. */
  studentLayers: number | null;
  teacherLayers: number | null;
  errors?: Record<string, string>;
}) {
  const { value, onChange, errors = {} } = props;
  const shown = value.layerMap ?? defaultLayerMap(props.studentLayers, props.teacherLayers) ?? [];
  const setMap = (layerMap: LayerPair[] | null) => onChange({ ...value, layerMap });
  const setCell = (i: number, key: keyof LayerPair, n: number) => setMap(shown.map((p, j) => (j === i ? { ...p, [key]: n } : p)));
  const cell = (i: number, key: keyof LayerPair) => {
    const error = errors[`attention.layerMap.${i}.${key}`];
    return (
      <td>
        <input
          type="number"
          min={0}
          style={{ width: 64 }}
          data-testid={`attention-map-${i}-${key}`}
          aria-label={`${key} layer of pair ${i + 1}`}
          aria-invalid={error ? true : undefined}
          value={Number.isNaN(shown[i]![key]) ? "" : shown[i]![key]}
          onChange={(e) => setCell(i, key, e.target.value === "" ? Number.NaN : Number(e.target.value))}
        />
        {error && <span className="small error">{error}</span>}
      </td>
    );
  };
  return (
    <div style={{ display: "grid", gap: "0.5rem" }} data-testid="attention-fields">
      <label className="row">
        <input type="checkbox" data-testid="field-attention-enabled" checked={value.enabled} onChange={(e) => onChange({ ...value, enabled: e.target.checked })} />
        Attention-map loss (KD + DAE): KL between the teacher&apos;s and the student&apos;s attention rows of the answer tokens
      </label>
      {value.enabled && (
        <>
          <NumberField
            label="Attention weight w"
            hint="KD = prediction-layer loss + w·attention loss"
            testId="field-attention-weight"
            value={value.weight}
            error={errors["attention.weight"]}
            onChange={(weight) => onChange({ ...value, weight })}
          />
          <p className="small muted" data-testid="attention-map-source">
            {value.layerMap
              ? "Layer map: as edited below."
              : props.studentLayers !== null
                ? `Layer map: each student layer learns from the teacher layer it was copied from${shown.length ? " (edit a row to change it)" : ""}.`
                : "Layer map: one to one, which needs a student as deep as the teacher; add pairs for a shallower one."}
          </p>
          {shown.length > 0 && (
            <table className="small" data-testid="attention-map">
              <thead>
                <tr>
                  <th>Student layer</th>
                  <th>Teacher layer</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {shown.map((_, i) => (
                  <tr key={i} data-testid="attention-map-row">
                    {cell(i, "student")}
                    {cell(i, "teacher")}
                    <td>
                      {shown.length > 1 && (
                        <button type="button" onClick={() => setMap(shown.filter((__, j) => j !== i))} aria-label={`remove pair ${i + 1}`}>
                          remove
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="row">
            <button type="button" data-testid="attention-map-add" onClick={() => setMap([...shown, { student: shown.length, teacher: shown.length }])}>
              add pair
            </button>
            {value.layerMap && (
              <button type="button" data-testid="attention-map-reset" onClick={() => setMap(null)}>
                back to the default map
              </button>
            )}
          </div>
          {errors["attention.layerMap"] && <span className="small error">{errors["attention.layerMap"]}</span>}
          <p className="small muted">{HEAD_HANDLING}</p>
        </>
      )}
    </div>
  );
}
