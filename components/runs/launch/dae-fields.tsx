"use client";

import Link from "next/link";
import { describeShare, DomainPanel } from "~/components/datasets/domain-panel";
import { type DaeChoice, domainShareProblem, sameModel } from "~/lib/runs/dae";
import { LOSS_LABELS, LossFields } from "./loss-fields";
import { ModelFields } from "./model-fields";
import { NumberField } from "./number-field";

/**
 * KD + DAE's Domain Alignment from Expert phase in a launch form: on/off, whether it follows the KD phase (the
 * paper's chain) or runs alone, the domain expert and the reference model, its epochs, divergence and learning rate
 * (empty: the run's), and the share of the run's training rows flagged as domain (which rows the expert teaches),
 * with the dataset's flagging by task type at hand. A share of 0% or 100% is said here and refused at launch.
 */
export function DaeFields(props: {
  value: DaeChoice;
  onChange: (value: DaeChoice) => void;
  datasetId: string;
  /** Over the rows the run trains on; undefined while unknown (no dataset yet, or loading). */
  share: { domain: number; total: number } | undefined;
  shareError?: string;
  errors?: Record<string, string>;
}) {
  const { value, onChange, errors = {} } = props;
  const problem = props.share ? domainShareProblem(props.share) : null;
  return (
    <div style={{ display: "grid", gap: "0.5rem" }} data-testid="dae-fields">
      <label className="row">
        <input type="checkbox" data-testid="field-dae-enabled" checked={value.enabled} onChange={(e) => onChange({ ...value, enabled: e.target.checked })} />
        DAE phase (KD + DAE&apos;s Domain Alignment from Expert): domain rows learn from a domain expert, the other rows from a reference model
      </label>
      {value.enabled && (
        <>
          <label className="row small">
            <input type="checkbox" data-testid="field-dae-after-kd" checked={value.afterKd} onChange={(e) => onChange({ ...value, afterKd: e.target.checked })} />
            after the KD phase, from its student (the paper&apos;s chain: KD with the attention loss first, then DAE); otherwise DAE alone from the initial student
          </label>
          <ModelFields role="expert" errorKey="dae.expert" value={value.expert} onChange={(expert) => onChange({ ...value, expert })} errors={errors} />
          <ModelFields role="reference" errorKey="dae.reference" value={value.reference} onChange={(reference) => onChange({ ...value, reference })} errors={errors} />
          {sameModel(value.expert, value.reference) && (
            <p className="small warning" data-testid="dae-same-model">
              The domain expert and the reference model are the same model: every row then learns the same target, whatever its flag.
            </p>
          )}
          <div className="row">
            <NumberField label="DAE epochs" testId="field-dae-epochs" value={value.epochs} error={errors["dae.epochs"]} onChange={(epochs) => onChange({ ...value, epochs })} />
            <NumberField
              label="DAE learning rate (empty: the run's)"
              testId="field-dae-lr"
              value={value.lr}
              error={errors["dae.lr"]}
              onChange={(lr) => onChange({ ...value, lr })}
              onEmpty={() => onChange({ ...value, lr: null })}
            />
          </div>
          <LossFields label="DAE divergence" testId="field-dae-loss" errorKey="dae.loss" value={value.loss} onChange={(loss) => onChange({ ...value, loss })} errors={errors} />
          <p className="small muted" data-testid="dae-plan">
            The run&apos;s plan: {value.afterKd ? "the KD stages, then one DAE stage" : "one DAE stage, no KD stage"} over each training row once,{" "}
            {value.epochs} {value.epochs === 1 ? "epoch" : "epochs"}. The phase distils at temperature 1 with {LOSS_LABELS[value.loss.name]} alone (KD weight 1, no CE) and without the attention
            loss{value.loss.name === "fkl" ? ", as the paper does" : " (the paper uses forward KL)"}; expert and reference must share the student&apos;s tokenizer.
          </p>
          <p className="small" data-testid="dae-share">
            {props.shareError
              ? props.shareError
              : props.share
                ? `Domain rows: ${describeShare(props.share)} of the rows this run trains on are flagged as domain.`
                : "Domain rows: choose a dataset to see how many of its rows are flagged."}
          </p>
          {problem && (
            <p className="small error" role="alert" data-testid="dae-share-error">
              The DAE phase cannot run: {problem}.
            </p>
          )}
          {props.datasetId && (
            <>
              <p className="small muted">
                Rows are flagged on the <Link href={`/datasets/${encodeURIComponent(props.datasetId)}`}>dataset page</Link>: from a column at import, by hand in
                the row view (one row, or every row a search finds), or by task type, here:
              </p>
              <DomainPanel datasetId={props.datasetId} />
            </>
          )}
        </>
      )}
    </div>
  );
}
