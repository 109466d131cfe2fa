"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { DeviceChoice } from "~/lib/contracts/job";
import { useTRPC } from "~/components/trpc/react";
import { toDesignerState } from "~/lib/planning/designer-state";

/** A saved curriculum (shareable URL): its frozen spec, a link back into the designer, and "Launch POCL run". */
export function CurriculumLaunch({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const saved = useQuery(trpc.curriculum.get.queryOptions({ id }));
  const [layers, setLayers] = useState(2);
  const [maxLength, setMaxLength] = useState(64);
  const [batchSize, setBatchSize] = useState(4);
  const [evalSize, setEvalSize] = useState(8);
  const [device, setDevice] = useState<DeviceChoice>("auto");
  const [name, setName] = useState("");
  const launch = useMutation(trpc.curriculum.launch.mutationOptions({ onSuccess: ({ id: runId }) => router.push(`/runs/${runId}`) }));
  if (saved.error) return <p className="error" role="alert">{saved.error.message}</p>;
  if (!saved.data) return <p className="muted">Loading…</p>;
  const c = saved.data;
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
          <input placeholder="run name" value={name} onChange={(e) => setName(e.target.value)} data-testid="run-name" />
          <label className="small">student layers (pruned teacher) <input type="number" min={1} max={30} value={layers} onChange={(e) => setLayers(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-layers" /></label>
          <label className="small">max length <input type="number" min={16} value={maxLength} onChange={(e) => setMaxLength(Number(e.target.value))} style={{ width: 70 }} data-testid="launch-max-length" /></label>
          <label className="small">batch <input type="number" min={1} value={batchSize} onChange={(e) => setBatchSize(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-batch" /></label>
          <label className="small">eval rows <input type="number" min={0} value={evalSize} onChange={(e) => setEvalSize(Number(e.target.value))} style={{ width: 60 }} data-testid="launch-eval" /></label>
          <select value={device} onChange={(e) => setDevice(e.target.value as typeof device)} data-testid="launch-device">
            <option value="auto">auto</option>
            <option value="cpu">cpu</option>
            <option value="cuda">cuda</option>
          </select>
          <button
            data-testid="launch-curriculum"
            disabled={launch.isPending}
            onClick={() =>
              launch.mutate({
                curriculumId: id,
                form: {
                  name,
                  student: { source: "pruned", num_layers: layers },
                  maxLength,
                  batchSize,
                  evalSize,
                  evalPrompts: Math.min(4, evalSize),
                  evalEvery: 20,
                  evalMaxNewTokens: 16,
                  checkpointEvery: 50,
                  device,
                },
              })
            }
          >
            Launch POCL run
          </button>
        </div>
        <p className="small muted">Stages, temperature and KD weight come from the curriculum; the eval rows are held out before resampling.</p>
        {launch.error && <p className="error" role="alert">{launch.error.message}</p>}
      </div>
      <pre className="panel mono small" data-testid="curriculum-spec">{JSON.stringify(c.spec, null, 2)}</pre>
    </>
  );
}
