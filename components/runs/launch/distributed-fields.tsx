"use client";

import type { DistributedChoice } from "~/lib/runs/distributed-choice";
import { NumberField } from "./number-field";

type Gpu = { index: number; name: string; memoryMb: number };

/**
 * How many GPUs of this machine the run takes (and which), DDP or FSDP, and activation checkpointing. Without a GPU
 * a sentence says why there is no GPU choice; the strategy still goes into job.json for the torchrun commands of
 * the run's page (docs/distributed.md).
 */
export function DistributedFields(props: {
  value: DistributedChoice;
  onChange: (value: DistributedChoice) => void;
  gpus: Gpu[];
  activationCheckpointing: boolean;
  onActivationCheckpointing: (on: boolean) => void;
  errors: Record<string, string>;
}) {
  const { value, onChange, gpus } = props;
  const set = (patch: Partial<DistributedChoice>) => onChange({ ...value, ...patch });
  const toggle = (index: number, on: boolean) => {
    const gpuIds = on ? [...value.gpuIds, index].sort((a, b) => a - b) : value.gpuIds.filter((i) => i !== index);
    set({ gpuIds, gpus: Math.max(1, gpuIds.length) });
  };
  return (
    <div style={{ display: "grid", gap: "0.5rem" }} data-testid="distributed-fields">
      {gpus.length === 0 ? (
        <p className="small muted" data-testid="gpus-unavailable">
          Several GPUs: unavailable here, the studio found no GPU on this machine (nvidia-smi). Runs use one process; the
          run&apos;s page shows the torchrun commands that run its folder on GPU machines, with the strategy chosen below.
        </p>
      ) : (
        <div className="row">
          <NumberField
            label="GPUs (one process each)"
            testId="field-gpus"
            value={value.gpus}
            error={props.errors["distributed.gpus"]}
            onChange={(gpus) => set({ gpus })}
          />
          <fieldset className="row" style={{ border: "none", padding: 0 }}>
            <legend className="small">On these GPUs (none checked: any free ones)</legend>
            {gpus.map((g) => (
              <label key={g.index} className="small">
                <input
                  type="checkbox"
                  data-testid={`field-gpu-${g.index}`}
                  checked={value.gpuIds.includes(g.index)}
                  onChange={(e) => toggle(g.index, e.target.checked)}
                />{" "}
                {g.index}: {g.name}, {Math.round(g.memoryMb / 1024)} GB
              </label>
            ))}
            {props.errors["distributed.gpuIds"] && <span className="small error">{props.errors["distributed.gpuIds"]}</span>}
          </fieldset>
        </div>
      )}
      <div className="row">
        <label>
          Over several processes
          <select data-testid="field-strategy" value={value.strategy} onChange={(e) => set({ strategy: e.target.value as DistributedChoice["strategy"] })}>
            <option value="ddp">DDP: a whole student per GPU</option>
            <option value="fsdp">FSDP: the student sharded over the GPUs</option>
          </select>
        </label>
        {value.strategy === "fsdp" && (
          <label>
            Teacher under FSDP
            <select data-testid="field-fsdp-teacher" value={value.teacher} onChange={(e) => set({ teacher: e.target.value as DistributedChoice["teacher"] })}>
              <option value="shard">sharded like the student</option>
              <option value="replicate">whole on every GPU (faster when it fits)</option>
            </select>
          </label>
        )}
        <label className="small">
          <input
            type="checkbox"
            data-testid="field-activationCheckpointing"
            checked={props.activationCheckpointing}
            onChange={(e) => props.onActivationCheckpointing(e.target.checked)}
          />{" "}
          Activation checkpointing (less memory, a second forward per layer)
        </label>
      </div>
    </div>
  );
}
