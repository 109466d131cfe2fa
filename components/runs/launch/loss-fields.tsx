"use client";

import { lossName } from "~/lib/contracts/job";
import type { LossChoice } from "~/lib/runs/loss";
import { NumberField } from "./number-field";

export const LOSS_LABELS: Record<LossChoice["name"], string> = {
  fkl: "forward KL",
  rkl: "reverse KL",
  jsd: "Jensen–Shannon (β)",
  tvd: "total variation",
  skl: "skew forward KL (λ)",
  srkl: "skew reverse KL (λ)",
};

/**
 * A divergence picker with the parameter the chosen one takes (β for JSD, λ for the skewed KLs), for the KD loss
 * and the DAE phase's. `errorKey` is the form path its messages are keyed by ("loss", "dae.loss"), `testId` the
 * select's test id.
 */
export function LossFields(props: { value: LossChoice; onChange: (value: LossChoice) => void; label: string; testId: string; errorKey: string; errors: Record<string, string> }) {
  const { value, onChange, errors, errorKey } = props;
  return (
    <div className="row">
      <label>
        {props.label}
        <select data-testid={props.testId} value={value.name} onChange={(e) => onChange({ ...value, name: e.target.value as LossChoice["name"] })}>
          {lossName.options.map((l) => (
            <option key={l} value={l}>
              {l}: {LOSS_LABELS[l]}
            </option>
          ))}
        </select>
      </label>
      {value.name === "jsd" && (
        <NumberField label="β (JSD mix)" testId={`${props.testId}-beta`} value={value.beta} error={errors[`${errorKey}.beta`]} onChange={(beta) => onChange({ ...value, beta })} />
      )}
      {(value.name === "skl" || value.name === "srkl") && (
        <NumberField label="λ (skew)" testId={`${props.testId}-skew`} value={value.skew} error={errors[`${errorKey}.skew`]} onChange={(skew) => onChange({ ...value, skew })} />
      )}
    </div>
  );
}
