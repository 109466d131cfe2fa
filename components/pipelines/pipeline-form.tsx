"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { EndpointOptions } from "~/components/endpoints/endpoint-options";
import { SuitePicker } from "~/components/evaluation/suite-picker";
import { Section } from "~/components/runs/launch/launch-form";
import { ModelFields } from "~/components/runs/launch/model-fields";
import { NumberField } from "~/components/runs/launch/number-field";
import { useTRPC } from "~/components/trpc/react";
import { DEVICES } from "~/lib/contracts/job";
import { type PipelineSettings, UNCONFIRMED_SETTINGS } from "~/lib/contracts/pipeline";
import { TASK_RATIOS, TASK_TYPES } from "~/lib/contracts/taxonomy";
import { presetRatios } from "~/lib/planning/ratios";
import { formatRows } from "~/lib/format";
import { initialPipelineForm, pipelineFormErrors, ratiosToSend, withJudge, withTeacherKind } from "~/lib/pipelines/form";

/** The sentence the page shows beside a setting the paper leaves open. */
function Unconfirmed({ setting }: { setting: keyof typeof UNCONFIRMED_SETTINGS }) {
  return (
    <span className="small warn" data-testid={`unconfirmed-${setting}`}>
      Unconfirmed: {UNCONFIRMED_SETTINGS[setting]}
    </span>
  );
}

/** An endpoint picker: the embedded endpoint first, then those on the Endpoints page. */
function EndpointSelect({ label, value, onChange, testId }: { label: string; value: string; onChange: (id: string) => void; testId: string }) {
  return (
    <label>
      {label}
      <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value)}>
        <EndpointOptions embeddedLabel="Embedded SmolLM2-135M-Instruct (llama.cpp, on this machine)" />
      </select>
    </label>
  );
}

/** Rows per task type in the seed pool's newest tag pass (the one a pipeline selects by); null while unknown, {} untagged. */
function useSeedTypeCounts(datasetId: string): Record<string, number> | null {
  const trpc = useTRPC();
  const results = useQuery({ ...trpc.curriculum.results.queryOptions({ datasetId }), enabled: datasetId !== "" });
  const pass = results.data?.tags[0]?.id ?? null;
  const columns = useQuery({ ...trpc.curriculum.columns.queryOptions({ datasetId, tagResultId: pass, scoreResultId: null }), enabled: pass != null });
  return useMemo(() => {
    if (!results.data) return null;
    if (!pass) return {};
    if (!columns.data) return null;
    const counts: Record<string, number> = {};
    for (const t of columns.data.types) counts[t] = (counts[t] ?? 0) + 1;
    return counts;
  }, [results.data, pass, columns.data]);
}

/**
 * Creates a pipeline: the seed pool, the teacher (a local model for white-box KD, or an endpoint for TAPIR's
 * black-box case), the judge, the student, the target ratios and the round settings, each checked by the contract
 * as it is typed; the settings the paper leaves open say so.
 */
export function PipelineForm({ seedDatasetId }: { seedDatasetId: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const [form, setForm] = useState(() => initialPipelineForm(seedDatasetId));
  const [ratios, setRatios] = useState<Record<string, number>>(() => ({ ...TASK_RATIOS }));
  const sent = { ...form, ratios: ratiosToSend(ratios, TASK_RATIOS) };
  const errors = pipelineFormErrors(sent);
  const create = useMutation(trpc.pipelines.create.mutationOptions({ onSuccess: ({ id }) => router.push(`/pipelines/${encodeURIComponent(id)}`) }));
  const set = (patch: Partial<PipelineSettings>) => setForm({ ...form, ...patch });
  const num = (key: "rounds" | "delta" | "alpha1" | "alphaGrowth" | "budget" | "seed", label: string, hint?: string) => (
    <NumberField label={label} hint={hint} testId={`pf-${key}`} value={form[key]} error={errors[key]} onChange={(v) => set({ [key]: v })} />
  );
  const group = <G extends "training" | "scoring" | "expansion">(g: G, key: keyof PipelineSettings[G] & string, label: string) => (
    <NumberField
      label={label}
      testId={`pf-${g}-${key}`}
      value={form[g][key] as number}
      error={errors[`${g}.${key}`]}
      onChange={(v) => set({ [g]: { ...form[g], [key]: v } })}
    />
  );
  const ready = (datasets.data ?? []).filter((d) => d.status === "ready");
  const typeCounts = useSeedTypeCounts(form.seedDatasetId);
  const applyPreset = (preset: "uniform" | "dataset") => typeCounts && setRatios({ ...Object.fromEntries(TASK_TYPES.map((t) => [t, 0])), ...presetRatios(preset, typeCounts) });
  const teacher = form.teacher;
  return (
    // noValidate: the contract checks every field as it is typed and says why beside it; the browser's own check
    // of a number input (min, max, step) would block the submit without a word on the page.
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(sent);
      }}
      data-testid="pipeline-form"
    >
      <Section title="Data and models">
        <label>
          Name
          <input data-testid="pf-name" value={form.name} placeholder="tapir on alpaca" onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label>
          Seed pool (a tagged dataset: every row needs a task type)
          <select data-testid="pf-seed-dataset" value={form.seedDatasetId} onChange={(e) => set({ seedDatasetId: e.target.value })}>
            <option value="">choose a dataset</option>
            {ready.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({formatRows(d.rowCount)})
              </option>
            ))}
          </select>
          {errors.seedDatasetId && form.seedDatasetId !== "" && <span className="small error">{errors.seedDatasetId}</span>}
          {typeCounts && Object.keys(typeCounts).length === 0 && (
            <span className="small error" data-testid="pf-untagged">
              This dataset has no task types yet: tag it on its <Link href={`/datasets/${encodeURIComponent(form.seedDatasetId)}/curriculum`}>curriculum page</Link> first.
            </span>
          )}
          {typeCounts && Object.keys(typeCounts).length > 0 && (
            <span className="small muted" data-testid="pf-seed-types">
              {Object.values(typeCounts).reduce((a, b) => a + b, 0)} rows in {Object.keys(typeCounts).length} task types
            </span>
          )}
        </label>
        <div className="row" style={{ alignItems: "flex-start" }}>
          <label>
            Teacher is
            <select data-testid="pf-teacher-kind" value={teacher.kind} onChange={(e) => setForm(withTeacherKind(form, e.target.value as typeof teacher.kind))}>
              <option value="local">a local model (white-box KD on its logits)</option>
              <option value="endpoint">an endpoint only (black-box: the student learns its answers)</option>
            </select>
          </label>
          <EndpointSelect
            label={teacher.kind === "local" ? "The same model's endpoint (expands and rewrites)" : "Teacher endpoint"}
            testId="pf-teacher-endpoint"
            value={teacher.endpointId}
            onChange={(endpointId) => set({ teacher: { ...teacher, endpointId } })}
          />
        </div>
        {teacher.kind === "local" && (
          <ModelFields role="teacher" value={teacher.model} errors={errors} onChange={(model) => set({ teacher: { ...teacher, model } })} />
        )}
        <EndpointSelect label="Judge endpoint (grades student and teacher answers; TAPIR uses the teacher)" testId="pf-judge" value={form.judgeEndpointId} onChange={(judgeEndpointId) => setForm(withJudge(form, judgeEndpointId))} />
        <ModelFields role="student" value={form.student} errors={errors} onChange={(student) => set({ student })} />
      </Section>

      <Section title="Rounds">
        <div className="row" style={{ alignItems: "flex-start" }}>
          <div style={{ display: "grid" }}>
            {num("rounds", "Rounds R")}
            <Unconfirmed setting="rounds" />
          </div>
          <div style={{ display: "grid" }}>
            {num("delta", "δ: hard when MFD > δ", "MFD = judge's rating of the teacher's answer − the student's (1–10 scale)")}
            <Unconfirmed setting="delta" />
          </div>
          <div style={{ display: "grid" }}>
            {num("alpha1", "α₁: hard share of round 2's set")}
            <Unconfirmed setting="alpha1" />
          </div>
          <div style={{ display: "grid" }}>
            {num("alphaGrowth", "α's growth per round", "α_r = min(1, α₁ + (r − 2) × growth)")}
            <Unconfirmed setting="alphaGrowth" />
          </div>
        </div>
        <div className="row" style={{ alignItems: "flex-start" }}>
          {num("budget", "Budget: rows per round's set", "seed rows selected + rows the teacher expands")}
          <label style={{ display: "grid" }}>
            Round 1 trains on
            <select data-testid="pf-first-round-set" value={form.firstRoundSet} onChange={(e) => set({ firstRoundSet: e.target.value as PipelineSettings["firstRoundSet"] })}>
              <option value="resample">the seed pool resampled to the ratios</option>
              <option value="resample_expand">that, with short task types expanded by the teacher</option>
            </select>
            <Unconfirmed setting="firstRoundSet" />
          </label>
          <label>
            Each round&apos;s student starts from
            <select data-testid="pf-student-init" value={form.studentInit} onChange={(e) => set({ studentInit: e.target.value as PipelineSettings["studentInit"] })}>
              <option value="continue">the previous round&apos;s student</option>
              <option value="restart">the initial student</option>
            </select>
          </label>
          {num("seed", "Seed")}
        </div>
        <label>
          <input type="checkbox" data-testid="pf-rewrite" checked={form.rewrite} onChange={(e) => set({ rewrite: e.target.checked })} /> Rewrite the teacher&apos;s answers in
          their task type&apos;s style (TAPIR §5)
        </label>
        <details data-testid="pf-ratios">
          <summary>
            Target task ratios: {ratiosToSend(ratios, TASK_RATIOS) ? "edited" : "TAPIR's published mix"} {errors.ratios && <span className="error small">{errors.ratios}</span>}
          </summary>
          <p className="small muted">
            Shares of each round&apos;s set by task type, normalised over their sum.{" "}
            Presets:{" "}
            <button type="button" className="linkish" data-testid="pf-preset-tapir" onClick={() => setRatios({ ...TASK_RATIOS })}>
              TAPIR&apos;s mix
            </button>
            <button type="button" className="linkish" data-testid="pf-preset-uniform" disabled={!typeCounts} onClick={() => applyPreset("uniform")}>
              uniform over the seed pool&apos;s types
            </button>
            <button type="button" className="linkish" data-testid="pf-preset-dataset" disabled={!typeCounts} onClick={() => applyPreset("dataset")}>
              the seed pool&apos;s own mix
            </button>{" "}
            (a type the seed pool lacks or has too few rows of is filled by the teacher&apos;s expansion)
          </p>
          <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(13rem, 1fr))", gap: "0.25rem 1rem" }}>
            {TASK_TYPES.map((t) => (
              <label key={t} className="small row" style={{ justifyContent: "space-between", flexWrap: "nowrap" }}>
                {t}
                <input
                  type="number"
                  min={0}
                  // Any share: a preset's (1 row of 12: 0.0833…) has more digits than a step would allow.
                  step="any"
                  style={{ width: "6rem" }}
                  data-testid={`pf-ratio-${t}`}
                  value={ratios[t] ?? 0}
                  onChange={(e) => setRatios({ ...ratios, [t]: e.target.value === "" ? 0 : Number(e.target.value) })}
                />
              </label>
            ))}
          </div>
        </details>
      </Section>

      <Section title="Training each round">
        <div className="row" style={{ alignItems: "flex-start" }}>
          {group("training", "kdWeight", teacher.kind === "endpoint" ? "KD weight (0: an endpoint gives no logits)" : "KD weight α (CE + KD mix)")}
          {group("training", "epochs", "Epochs")}
          {group("training", "lr", "Learning rate")}
          {group("training", "batchSize", "Batch size")}
          {group("training", "maxLength", "Max length (tokens)")}
          <label>
            Device
            <select data-testid="pf-training-device" value={form.training.device} onChange={(e) => set({ training: { ...form.training, device: e.target.value as PipelineSettings["training"]["device"] } })}>
              {DEVICES.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row" style={{ alignItems: "flex-start" }}>
          {group("training", "evalSize", "Held-out rows")}
          {group("training", "evalEvery", "Eval every (steps; 0: at the end)")}
          {group("training", "evalPrompts", "Eval prompts")}
          {group("training", "evalMaxNewTokens", "Eval max new tokens")}
          {group("training", "checkpointEvery", "Checkpoint every (steps)")}
        </div>
      </Section>

      <Section title="Judging and expansion">
        <div className="row" style={{ alignItems: "flex-start" }}>
          {group("scoring", "maxNewTokens", "Student answer length (tokens)")}
          {group("scoring", "judgeMaxTokens", "Judge's max tokens")}
          <label>
            The judge answers with
            <select
              data-testid="pf-judge-format"
              value={form.scoring.judgeFormat}
              onChange={(e) => set({ scoring: { ...form.scoring, judgeFormat: e.target.value as PipelineSettings["scoring"]["judgeFormat"] } })}
            >
              <option value="explained">an explanation, then its rating (MT-Bench)</option>
              <option value="rating">its rating alone (a llama.cpp grammar; for small judges such as the embedded one)</option>
            </select>
          </label>
          {group("expansion", "maxTokens", "Expansion max tokens")}
          {group("expansion", "maxRequestsPerType", "Expansion requests per type (cap)")}
          {group("expansion", "temperature", "Expansion temperature")}
        </div>
      </Section>

      <Section title="Evaluation of each round's student">
        <label>
          <input type="checkbox" data-testid="pf-evaluate-baselines" checked={form.evaluateBaselines} onChange={(e) => set({ evaluateBaselines: e.target.checked })} /> Evaluate the initial
          student and the teacher once (the score chart&apos;s reference lines)
        </label>
        <SuitePicker
          heldout
          value={{ ...form.evaluation, judgeEndpointId: form.judgeEndpointId }}
          onChange={({ judgeEndpointId, ...evaluation }) => set({ evaluation: { ...form.evaluation, ...evaluation }, judgeEndpointId: judgeEndpointId ?? form.judgeEndpointId })}
        />
        <span className="small muted">MT-Bench and Vicuna-bench are graded by the pipeline&apos;s judge.</span>
        {Object.entries(errors)
          .filter(([k]) => k.startsWith("evaluation"))
          .map(([k, m]) => (
            <span key={k} className="small error">
              {m}
            </span>
          ))}
      </Section>

      <div className="row">
        <button type="submit" className="primary" data-testid="pf-create" disabled={Object.keys(errors).length > 0 || create.isPending}>
          Create and start the pipeline
        </button>
        {Object.keys(errors).length > 0 && <span className="small muted">{form.seedDatasetId === "" ? "Choose a seed pool." : "Fix the fields marked above."}</span>}
        {create.error && (
          <span className="error" role="alert" data-testid="pf-error">
            {create.error.message}
          </span>
        )}
      </div>
    </form>
  );
}
