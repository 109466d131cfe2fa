"use client";

import type { EvalSettings } from "~/lib/contracts/evaluation-form";
import { evalSettings } from "~/lib/contracts/evaluation-form";
import { DEFAULT_PICK, SuitePicker } from "./suite-picker";

/**
 * The launch forms' "evaluate the student when the run ends": the suites an eval job runs on the student as soon
 * as the run succeeds, MT-Bench and Vicuna-bench graded by the judge endpoint chosen here.
 */
export function EvaluateWhenDone({ value, onChange }: { value: EvalSettings | null; onChange: (next: EvalSettings | null) => void }) {
  return (
    <div style={{ display: "grid", gap: 6 }}>
      <label>
        <input type="checkbox" data-testid="field-evaluate" checked={value !== null} onChange={(e) => onChange(e.target.checked ? evalSettings.parse(DEFAULT_PICK) : null)} /> Evaluate the
        student when the run ends
      </label>
      {value && <SuitePicker value={value} onChange={(pick) => onChange({ ...value, ...pick })} />}
    </div>
  );
}
