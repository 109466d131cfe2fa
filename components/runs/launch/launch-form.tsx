"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { formatRows } from "~/lib/format";
import { launchForm, type LaunchForm, TEACHER_LAYERS } from "~/lib/runs/form";
import { domainShareProblem } from "~/lib/runs/dae";
import { messagesByPath } from "~/lib/validation-messages";
import { EvaluateWhenDone } from "~/components/evaluation/evaluate-when-done";
import { useTRPC } from "~/components/trpc/react";
import { AttentionFields } from "./attention-fields";
import { DaeFields } from "./dae-fields";
import { DistributedFields } from "./distributed-fields";
import { JobPreview } from "./job-preview";
import { LossFields } from "./loss-fields";
import { ModelFields } from "./model-fields";
import { NumberField } from "./number-field";
import { TeacherCacheFields } from "./teacher-cache-fields";
import { useUrlForm } from "./use-url-form";

/** auto takes a free GPU when the machine has one; cuda is offered only where nvidia-smi found GPUs. */
function deviceOptions(gpus: { name: string; memoryMb: number }[]) {
  return [
    { id: "auto", label: gpus.length ? "auto (a free GPU)" : "auto (CPU: no GPU found)" },
    { id: "cpu", label: "CPU" },
    ...(gpus.length ? [{ id: "cuda", label: `CUDA (${gpus.map((g) => `${g.name}, ${Math.round(g.memoryMb / 1024)} GB`).join("; ")})` }] : []),
  ];
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="panel" style={{ display: "grid", gap: "0.75rem" }}>
      <legend>
        <b>{title}</b>
      </legend>
      {children}
    </fieldset>
  );
}

/** The single-stage run launcher: every field validated by the shared zod schema, with a live job.json preview. */
export function LaunchRunForm(props: { initial: { f: string | null; dataset: string | null } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [form, setForm] = useUrlForm(props.initial);
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const devices = useQuery(trpc.jobs.devices.queryOptions());
  const roots = useQuery(trpc.runs.roots.queryOptions());
  const launch = useMutation(trpc.runs.launch.mutationOptions({ onSuccess: ({ id }) => router.push(`/runs/${id}`) }));
  const errors = messagesByPath(launchForm.safeParse(form).error?.issues ?? []);
  const splitKnown = Boolean(form.datasetId) && !errors.evalSize && !errors.trainSamples && !errors.seed;
  const share = useQuery({
    ...trpc.runs.domainShare.queryOptions({ datasetId: form.datasetId, evalSize: form.evalSize, trainSamples: form.trainSamples, seed: form.seed }),
    enabled: form.dae.enabled && splitKnown,
  });
  // Said beside the DAE fields; the server refuses such a launch too.
  const daeProblem = form.dae.enabled && share.data ? domainShareProblem(share.data) : null;
  const set = <K extends keyof LaunchForm>(key: K) => (value: LaunchForm[K]) => setForm({ ...form, [key]: value });
  const num = (key: keyof LaunchForm, label: string, hint?: string) => (
    <NumberField
      label={label}
      hint={hint}
      testId={`field-${key}`}
      value={form[key] as number | null}
      error={errors[key]}
      onChange={(v) => setForm({ ...form, [key]: v })}
    />
  );

  return (
    <div className="grid2" style={{ alignItems: "start" }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          launch.mutate(form);
        }}
      >
        <Section title="Data">
          <div className="row">
            <label>
              Dataset
              <select data-testid="field-dataset" value={form.datasetId} onChange={(e) => set("datasetId")(e.target.value)}>
                <option value="">choose…</option>
                {datasets.data
                  ?.filter((d) => d.status === "ready")
                  .map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({formatRows(d.rowCount)})
                    </option>
                  ))}
              </select>
              {errors.datasetId && <span className="small error">{errors.datasetId}</span>}
            </label>
            <label>
              Run name
              <input data-testid="field-name" value={form.name} placeholder="optional" onChange={(e) => set("name")(e.target.value)} />
            </label>
          </div>
          <div className="row">
            {num("evalSize", "Eval split (rows held out)")}
            <NumberField
              label="Train rows (empty: all)"
              testId="field-trainSamples"
              value={form.trainSamples}
              error={errors.trainSamples}
              onChange={set("trainSamples")}
              onEmpty={() => set("trainSamples")(null)}
            />
          </div>
        </Section>
        <Section title="Models">
          <ModelFields role="teacher" value={form.teacher} onChange={set("teacher")} errors={errors} />
          <ModelFields role="student" value={form.student} onChange={set("student")} errors={errors} />
          <label>
            Copy the final student to (optional, inside the output roots)
            <input data-testid="field-outputDir" value={form.outputDir} placeholder="run folder's model/" onChange={(e) => set("outputDir")(e.target.value)} />
          </label>
          {roots.data && (
            <p className="small muted">
              Models are read from: {roots.data.models.join(", ")} (or embedded). Outputs are written to: {roots.data.outputs.join(", ")}.
            </p>
          )}
        </Section>
        <Section title="Teacher-logit cache">
          <TeacherCacheFields form={form} onChange={set("teacherCache")} error={errors.teacherCache} />
        </Section>
        <Section title="Loss">
          <LossFields label="Divergence" testId="field-loss" errorKey="loss" value={form.loss} onChange={set("loss")} errors={errors} />
          <div className="row">
            {num("temperature", "Temperature")}
            {num("kdWeight", "KD weight α", "L = (1 − α)·CE + α·KD")}
          </div>
          <AttentionFields
            value={form.attention}
            onChange={set("attention")}
            studentLayers={form.student.source === "pruned" ? form.student.num_layers : null}
            teacherLayers={form.teacher.source === "embedded" ? TEACHER_LAYERS : null}
            errors={errors}
          />
        </Section>
        <Section title="DAE phase (KD + DAE)">
          <DaeFields value={form.dae} onChange={set("dae")} datasetId={form.datasetId} share={share.data} shareError={share.error?.message} errors={errors} />
        </Section>
        <Section title="Optimisation">
          <div className="row">
            {num("epochs", "Epochs")}
            {num("lr", "Learning rate")}
            {num("batchSize", "Batch size")}
            {num("gradAccum", "Grad accumulation")}
            {num("maxLength", "Max length (tokens)")}
          </div>
        </Section>
        <Section title="Evaluation and run">
          <div className="row">
            {num("evalEvery", "Eval every (steps, 0: off)")}
            {num("evalPrompts", "Eval prompts")}
            {num("evalMaxNewTokens", "Max new tokens")}
            {num("checkpointEvery", "Checkpoint every (steps)")}
          </div>
          <div className="row">
            <label>
              Device
              <select data-testid="field-device" value={form.device} onChange={(e) => set("device")(e.target.value as LaunchForm["device"])}>
                {deviceOptions(devices.data?.gpus ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.label}
                  </option>
                ))}
              </select>
            </label>
            {num("seed", "Seed")}
          </div>
          <DistributedFields
            value={form.distributed}
            onChange={set("distributed")}
            gpus={devices.data?.gpus ?? []}
            activationCheckpointing={form.activationCheckpointing}
            onActivationCheckpointing={set("activationCheckpointing")}
            errors={errors}
          />
          <EvaluateWhenDone value={form.evaluate} onChange={set("evaluate")} />
          {errors.evaluate && <span className="small error">{errors.evaluate}</span>}
        </Section>
        <div className="row">
          <button type="submit" className="primary" data-testid="launch" disabled={Object.keys(errors).length > 0 || daeProblem !== null || launch.isPending}>
            {launch.isPending ? "Launching…" : "Launch run"}
          </button>
          {Object.keys(errors).length > 0 && <span className="small error">Fix {Object.keys(errors).length} field(s) first.</span>}
        </div>
        {launch.error && (
          <p className="error" data-testid="launch-error">
            {launch.error.message}
          </p>
        )}
      </form>
      <JobPreview form={form} />
    </div>
  );
}
