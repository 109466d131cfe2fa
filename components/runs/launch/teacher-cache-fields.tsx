"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { JobProgress } from "~/components/jobs/job-progress";
import { LogTail } from "~/components/runs/run/log-tail";
import { useTRPC } from "~/components/trpc/react";
import type { JobEvent } from "~/lib/contracts/events";
import { formatBytes, formatCount } from "~/lib/format";
import type { LaunchForm } from "~/lib/runs/form";
import { cacheLossCaveats, DEFAULT_TOP_K } from "~/lib/runs/teacher-cache";

type LogLine = Extract<JobEvent, { type: "log" }>;
/** The cache job's last log lines shown (what it loads, on which device, rows done). */
const LOG_LINES = 20;

type Offer = { id: string; topK: number; rows: number; tokens: number | null; bytes: number | null; createdAt: number };

const offerLabel = (c: Offer) =>
  `${c.id} · k ${c.topK} · ${formatCount(c.rows)} rows${c.tokens !== null ? ` · ${formatCount(c.tokens)} tokens` : ""}${c.bytes !== null ? ` · ${formatBytes(c.bytes)}` : ""}`;

/** Building a cache for the form's teacher, data and max length: k, which rows, then its job live (progress, Cancel, its log, its page). */
function BuildCache({ form, onStarted }: { form: LaunchForm; onStarted: () => void }) {
  const trpc = useTRPC();
  const [topK, setTopK] = useState(DEFAULT_TOP_K);
  const [runRowsOnly, setRunRowsOnly] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const build = useMutation(
    trpc.teacherCaches.build.mutationOptions({
      onSuccess: ({ id }) => {
        setLogs([]);
        setJobId(id);
        onStarted();
      },
    }),
  );
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id: jobId ?? "" }),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === "queued" || q.state.data.status === "running") ? 2_000 : false),
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions());
  const active = job.data?.status === "queued" || job.data?.status === "running";
  return (
    <div style={{ display: "grid", gap: "0.5rem" }}>
      <div className="row" style={{ alignItems: "end" }}>
        <label>
          k (top log-probabilities kept per token)
          <input
            type="number"
            min={1}
            max={4096}
            data-testid="cache-top-k"
            value={Number.isNaN(topK) ? "" : topK}
            onChange={(e) => setTopK(e.target.valueAsNumber)}
          />
        </label>
        <label className="small">
          <input type="checkbox" data-testid="cache-run-rows" checked={runRowsOnly} onChange={(e) => setRunRowsOnly(e.target.checked)} /> only this run&apos;s
          training rows (else every answered row of the dataset, which any run on it can use)
        </label>
        <button
          type="button"
          data-testid="build-teacher-cache"
          disabled={!form.datasetId || !Number.isInteger(topK) || build.isPending || active}
          onClick={() =>
            build.mutate({
              datasetId: form.datasetId,
              teacher: form.teacher,
              maxLength: form.maxLength,
              topK,
              device: form.device,
              split: runRowsOnly ? { evalSize: form.evalSize, trainSamples: form.trainSamples, seed: form.seed } : null,
            })
          }
        >
          {build.isPending ? "Starting…" : "Build teacher-logit cache"}
        </button>
      </div>
      {build.error && (
        <p className="error" role="alert">
          {build.error.message}
        </p>
      )}
      {jobId && job.data && (
        <div className="panel" data-testid="cache-job">
          <div className="small">
            <Link href={`/jobs/${encodeURIComponent(jobId)}`}>{job.data.name}</Link>: {job.data.status}
          </div>
          {active && (
            <div className="row" style={{ alignItems: "center" }}>
              <div style={{ flex: 1 }}>
                <JobProgress
                  jobId={jobId}
                  onEnded={() => void job.refetch()}
                  onEvent={(e) => e.type === "log" && setLogs((lines) => [...lines, e].slice(-LOG_LINES))}
                />
              </div>
              <button type="button" data-testid="cache-job-cancel" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: jobId })}>
                Cancel
              </button>
            </div>
          )}
          {logs.length > 0 && <LogTail logs={logs} />}
          {job.data.status === "failed" && job.data.error && <pre className="error">{job.data.error}</pre>}
          {job.data.status === "succeeded" && <p className="ok small">Built: choose it above.</p>}
        </div>
      )}
    </div>
  );
}

/**
 * The launch form's teacher-logit cache: the caches of its dataset that its run could distil from instead of
 * running the teacher (same teacher, max length and rows), those it could not with why, and building one.
 */
export function TeacherCacheFields({ form, onChange, error }: { form: LaunchForm; onChange: (id: string | null) => void; error?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const use = { datasetId: form.datasetId, teacher: form.teacher, maxLength: form.maxLength, evalSize: form.evalSize, trainSamples: form.trainSamples, seed: form.seed };
  const offers = useQuery({
    ...trpc.teacherCaches.forLaunch.queryOptions(use),
    enabled: Boolean(form.datasetId) && [form.maxLength, form.evalSize, form.seed].every(Number.isInteger),
    // A cache being built is offered once its job is marked succeeded, which comes after its done event.
    refetchInterval: (q) => (q.state.data?.some((c) => c.status === "queued" || c.status === "running") ? 2_000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.teacherCaches.forLaunch.queryKey() });
  if (!form.datasetId) return <p className="small muted">Choose a dataset first.</p>;
  const usable = offers.data?.filter((c) => c.problem === null) ?? [];
  const refused = offers.data?.filter((c) => c.problem !== null) ?? [];
  const chosen = offers.data?.find((c) => c.id === form.teacherCache);
  const caveats = chosen && !chosen.problem ? cacheLossCaveats({ temperature: form.temperature, loss: form.loss.name, topK: chosen.topK }) : [];
  return (
    <>
      <p className="small muted">
        A cache holds the teacher&apos;s top-k log-probabilities for every answer token, so the run distils from it and never runs the teacher
        (docs/logit-cache.md; all caches on the <Link href="/caches">Caches</Link> page).
      </p>
      <label>
        Use teacher-logit cache
        <select data-testid="field-teacherCache" value={form.teacherCache ?? ""} onChange={(e) => onChange(e.target.value || null)}>
          <option value="">no: run the teacher live</option>
          {usable.map((c) => (
            <option key={c.id} value={c.id}>
              {offerLabel(c)}
            </option>
          ))}
          {form.teacherCache && !usable.some((c) => c.id === form.teacherCache) && <option value={form.teacherCache}>{form.teacherCache} (not usable)</option>}
        </select>
        {error && <span className="small error">{error}</span>}
      </label>
      {caveats.length > 0 && (
        <ul className="small muted" data-testid="cache-caveats">
          {caveats.map((c) => (
            <li key={c}>{c} Run the teacher live, or build a cache with a larger k, where that matters (docs/logit-cache.md).</li>
          ))}
        </ul>
      )}
      {form.teacherCache && chosen?.problem && (
        <p className="error small" data-testid="cache-problem">
          This run cannot use cache {chosen.id}: {chosen.problem}.
        </p>
      )}
      {offers.error && <p className="error small">{offers.error.message}</p>}
      {refused.length > 0 && (
        <details>
          <summary className="small">
            {refused.length} cache{refused.length > 1 ? "s" : ""} of this dataset not offered
          </summary>
          <ul className="small" data-testid="caches-refused">
            {refused.map((c) => (
              <li key={c.id}>
                {offerLabel(c)}: {c.problem}
              </li>
            ))}
          </ul>
        </details>
      )}
      <BuildCache form={form} onStarted={refresh} />
    </>
  );
}
