"use client";

import { EvaluateWhenDone } from "~/components/evaluation/evaluate-when-done";
import type { EvalSettings } from "~/lib/contracts/evaluation-form";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { DeviceChoice } from "~/lib/contracts/job";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { ExpandPanel } from "~/components/generation/expand-panel";
import { type Batching, curriculum } from "~/lib/planning";
import { toDesignerState } from "~/lib/planning/designer-state";
import type { RouterOutputs } from "~/components/trpc/types";
import { AttentionFields } from "~/components/runs/launch/attention-fields";
import { type AttentionChoice, attentionChoice, layerMapIssues } from "~/lib/runs/attention";
import { TEACHER_LAYERS } from "~/lib/runs/form";
import { DaeFields } from "~/components/runs/launch/dae-fields";
import { type DaeChoice, daeChoice, domainShareProblem } from "~/lib/runs/dae";
import { messagesByPath } from "~/lib/validation-messages";
import { planSummary } from "~/lib/planning/plan-summary";

type Plan = RouterOutputs["curriculum"]["plan"];

/**
 * The stages as the launch writes them to plan.json: buckets, samples, optimizer steps, temperature and KD weight;
 * with a DAE phase, each stage's phase (the DAE stage trains every training row, whatever its bucket).
 */
function PlanTable({ plan }: { plan: Plan }) {
  const phases = plan.stages.some((s) => s.phase !== null);
  return (
    <>
      <p className="small" data-testid="plan-summary">
        {planSummary(plan.stages.length, plan.totalSteps, plan.bucketSizes)}
      </p>
      <p className="small muted" data-testid="plan-rows">
        {plan.samples} samples resampled from {plan.trainingRows}.
      </p>
      <table className="small" data-testid="plan-table">
        <thead>
          <tr>
            <th>Stage</th>
            {phases && <th>Phase</th>}
            <th>Buckets</th>
            <th>Samples</th>
            <th>Epochs</th>
            <th>Optimizer steps</th>
            <th>Temperature</th>
            <th>KD weight</th>
          </tr>
        </thead>
        <tbody>
          {plan.stages.map((s) => (
            <tr key={s.stage} data-testid="plan-stage" data-phase={s.phase ?? undefined}>
              <td>{s.stage}</td>
              {phases && <td>{s.phase === "dae" ? "DAE" : "KD"}</td>}
              <td>{s.phase === "dae" ? "all rows" : s.buckets.join(", ")}</td>
              <td>{s.samples}</td>
              <td>{s.epochs}</td>
              <td>{s.steps}</td>
              <td>{s.temperature.toFixed(2)}</td>
              <td>{s.kdWeight.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * A saved curriculum (shareable URL): the plan its run trains (computed on the server by the launch's own
 * code, for the batching chosen here), a link back into the designer, and "Launch POCL run".
 */
export function CurriculumLaunch({ id, initialBatching }: { id: string; initialBatching: Batching }) {
  const trpc = useTRPC();
  const router = useRouter();
  const saved = useQuery(trpc.curriculum.get.queryOptions({ id }));
  const [layers, setLayers] = useState(2);
  const [maxLength, setMaxLength] = useState(64);
  const [batchSize, setBatchSizeState] = useState(initialBatching.batch_size);
  const [gradAccum, setGradAccumState] = useState(initialBatching.grad_accum);
  // The batching the plan table counts steps with stays in the URL (?batch=, ?accum=), so a reload or a shared link shows the same plan.
  const [, setBatchParam] = useSearchParam("batch");
  const [, setAccumParam] = useSearchParam("accum");
  const inUrl = (v: number) => (Number.isInteger(v) && v >= 1 ? String(v) : null);
  const setBatchSize = (v: number) => {
    setBatchSizeState(v);
    setBatchParam(inUrl(v));
  };
  const setGradAccum = (v: number) => {
    setGradAccumState(v);
    setAccumParam(inUrl(v));
  };
  const batchingValid = Number.isInteger(batchSize) && batchSize >= 1 && Number.isInteger(gradAccum) && gradAccum >= 1;
  const [device, setDevice] = useState<DeviceChoice>("auto");
  const [name, setName] = useState("");
  const [attention, setAttention] = useState<AttentionChoice>(() => attentionChoice.parse({}));
  const attentionErrors = messagesByPath(attention.enabled && attention.layerMap ? layerMapIssues(attention.layerMap, layers, TEACHER_LAYERS) : [], ["attention", "layerMap"]);
  const [evaluate, setEvaluate] = useState<EvalSettings | null>(null);
  const [dae, setDae] = useState<DaeChoice>(() => daeChoice.parse({}));
  const daeErrors = messagesByPath(daeChoice.safeParse(dae).error?.issues ?? [], ["dae"]);
  const daeValid = Object.keys(daeErrors).length === 0;
  // The table shows the DAE stage the launch adds; while its fields are invalid, the last valid plan stays.
  const planDae = { enabled: dae.enabled, afterKd: dae.afterKd, epochs: dae.epochs };
  const plan = useQuery({ ...trpc.curriculum.plan.queryOptions({ id, batchSize, gradAccum, dae: planDae }), enabled: batchingValid && daeValid, placeholderData: (previous) => previous });
  const daeProblem = dae.enabled && plan.data ? domainShareProblem(plan.data.domain) : null;
  const launch = useMutation(trpc.curriculum.launch.mutationOptions({ onSuccess: ({ id: runId }) => router.push(`/runs/${runId}`) }));
  if (saved.error) return <p className="error" role="alert">{saved.error.message}</p>;
  if (!saved.data) return <p className="muted">Loading…</p>;
  const c = saved.data;
  const evalSize = curriculum.parse(c.spec).eval_size;
  const designer = `/datasets/${encodeURIComponent(c.datasetId)}/curriculum?s=${encodeURIComponent(JSON.stringify(toDesignerState(c.spec)))}`;
  return (
    <>
      <h1 data-testid="curriculum-title">{c.name}</h1>
      <p className="small">
        content hash <span className="mono" data-testid="curriculum-hash">{c.contentHash}</span> · saved {new Date(c.createdAt).toLocaleString()} ·{" "}
        <a href={designer}>open in the designer</a>
      </p>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>Launch POCL run</h2>
        <div className="row">
          <input aria-label="Run name" placeholder="run name" value={name} onChange={(e) => setName(e.target.value)} data-testid="run-name" />
          <label className="small">student layers (pruned teacher) <input type="number" min={1} max={30} value={layers} onChange={(e) => setLayers(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-layers" /></label>
          <label className="small">max length <input type="number" min={16} value={maxLength} onChange={(e) => setMaxLength(Number(e.target.value))} style={{ width: 70 }} data-testid="launch-max-length" /></label>
          <label className="small">batch <input type="number" min={1} value={batchSize} onChange={(e) => setBatchSize(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-batch" /></label>
          <label className="small">grad accum <input type="number" min={1} value={gradAccum} onChange={(e) => setGradAccum(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-accum" /></label>
          <select aria-label="Device" value={device} onChange={(e) => setDevice(e.target.value as typeof device)} data-testid="launch-device">
            <option value="auto">auto</option>
            <option value="cpu">cpu</option>
            <option value="cuda">cuda</option>
          </select>
          <button
            data-testid="launch-curriculum"
            disabled={launch.isPending || Object.keys(attentionErrors).length > 0 || !daeValid || daeProblem !== null}
            onClick={() =>
              launch.mutate({
                curriculumId: id,
                form: {
                  name,
                  student: { source: "pruned", num_layers: layers },
                  maxLength,
                  batchSize,
                  gradAccum,
                  evalPrompts: Math.min(4, evalSize),
                  evalEvery: 20,
                  evalMaxNewTokens: 16,
                  checkpointEvery: 50,
                  device,
                  attention,
                  dae,
                  evaluate,
                },
              })
            }
          >
            Launch POCL run
          </button>
        </div>
        <AttentionFields value={attention} onChange={setAttention} studentLayers={layers} teacherLayers={TEACHER_LAYERS} errors={attentionErrors} />
        <DaeFields value={dae} onChange={setDae} datasetId={c.datasetId} share={plan.data?.domain} errors={daeErrors} />
        <EvaluateWhenDone value={evaluate} onChange={setEvaluate} />
        {launch.error && <p className="error" role="alert">{launch.error.message}</p>}
      </div>
      <ExpandPanel curriculumId={id} datasetId={c.datasetId} spec={c.spec} />
      <div className="panel" data-testid="curriculum-plan">
        <h2 style={{ marginTop: 0 }}>The plan this run trains</h2>
        {plan.error && <p className="error" role="alert" data-testid="plan-error">{plan.error.message}</p>}
        {plan.data && <PlanTable plan={plan.data} />}
        <details>
          <summary className="small">the curriculum as saved (JSON)</summary>
          <pre className="mono small" data-testid="curriculum-spec">{JSON.stringify(c.spec, null, 2)}</pre>
        </details>
      </div>
    </>
  );
}
