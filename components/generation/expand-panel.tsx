"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { EXPAND_COUNTS, type ExpandCounts } from "~/lib/contracts/generation";
import { type Curriculum, curriculum } from "~/lib/planning";
import { toDesignerState } from "~/lib/planning/designer-state";
import { GenerationJob, TeacherForm, useLatestJob } from "./generation-job";

const COUNT_LABELS: Record<(typeof EXPAND_COUNTS)[number], string> = {
  generated: "generated",
  exact_duplicates: "exact duplicates",
  near_duplicates: "near duplicates",
  tag_mismatches: "tag mismatches",
  surplus: "beyond the target",
  kept: "kept",
  answered: "answered",
  set_aside: "answers set aside",
};

/** An expand job's counts in one line (a block span: it may sit inside a paragraph): new instructions generated, duplicates, tag mismatches, answered. */
function ExpandCountsLine({ counts, testId }: { counts: ExpandCounts; testId: string }) {
  return (
    <span className="small" style={{ display: "block", margin: "0.5rem 0" }} data-testid={testId}>
      {EXPAND_COUNTS.filter((name) => counts[name] !== undefined)
        .map((name) => `${counts[name]} ${COUNT_LABELS[name]}`)
        .join(" · ")}
    </span>
  );
}

/** The designer on the expanded dataset, with this curriculum's design typed by the dataset's own tag pass. */
function replanLink(spec: Curriculum, datasetId: string, tagResultId: string): string {
  const moved: Curriculum = {
    ...spec,
    dataset_id: datasetId,
    // Score passes belong to the parent's rows: the new dataset needs its own before it can bucket or split by them.
    resample: spec.resample && { ...spec.resample, tag_result_id: tagResultId, difficulty_result_id: null, hard_share: null, threshold: null },
    bucket_result_id: null,
  };
  return `/datasets/${encodeURIComponent(datasetId)}/curriculum?s=${encodeURIComponent(JSON.stringify(toDesignerState(moved)))}`;
}

/** After the job: its counts, and the designer on the new dataset. */
function ExpansionOutcome({ spec, datasetId }: { spec: Curriculum; datasetId: string }) {
  const trpc = useTRPC();
  const expansion = useQuery(trpc.generation.expansion.queryOptions({ datasetId }));
  if (!expansion.data) return null;
  return (
    <>
      {expansion.data.tagResultId && (
        <Link className="button" href={replanLink(spec, datasetId, expansion.data.tagResultId)} data-testid="expand-replan">
          Plan this curriculum on it
        </Link>
      )}
      <ExpandCountsLine counts={expansion.data.counts} testId="expand-counts" />
    </>
  );
}

/**
 * "Expand with a teacher" (TAPIR §4) on a saved curriculum: per task type whose resampling target is above the
 * rows it has, the teacher writes that many new instructions from examples of the type; they are deduplicated,
 * tagged and answered into a new dataset (the parent's rows plus the new ones) to plan the curriculum on again.
 */
export function ExpandPanel({ curriculumId, datasetId, spec }: { curriculumId: string; datasetId: string; spec: unknown }) {
  const trpc = useTRPC();
  const targets = useQuery(trpc.generation.expandTargets.queryOptions({ curriculumId }));
  const { latest, active, refresh } = useLatestJob(datasetId, "expand");
  const parsed = curriculum.parse(spec);
  const types = targets.data?.types ?? [];
  const asked = types.some((t) => t.asked > 0);
  return (
    <section className="panel" aria-label="Expand with a teacher" data-testid="expand-panel">
      <h2 style={{ marginTop: 0 }}>Expand with a teacher</h2>
      <p className="small muted">
        Where the resampling asks for more rows of a task type than the dataset has, a teacher writes new instructions of that type from examples of
        it (TAPIR §4). They are deduplicated against the dataset and each other (exactly, and as near duplicates by MiniLM similarity), tagged (one
        tagged as another type is set aside), answered, and become a new dataset with this one&apos;s rows. Endpoints are set up on the{" "}
        <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {targets.error && <p className="error" role="alert">{targets.error.message}</p>}
      {targets.data && types.length === 0 && <p className="small" data-testid="expand-nothing">The resampling asks for no more rows of any task type than the dataset has.</p>}
      {types.length > 0 && (
        <table className="small" data-testid="expand-targets">
          <thead>
            <tr>
              <th>Task type</th>
              <th>Rows</th>
              <th>Target</th>
              <th>New instructions asked for</th>
            </tr>
          </thead>
          <tbody>
            {types.map((t) => (
              <tr key={t.type} data-testid="expand-target">
                <td>{t.type}</td>
                <td>{t.available}</td>
                <td>{t.target}</td>
                <td>{t.asked > 0 ? t.asked : <span className="muted">none: no rows of this type to take examples from</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {asked && !active && <ExpandForm curriculumId={curriculumId} onStarted={refresh} />}
      {latest && (
        <GenerationJob
          key={latest.id}
          job={latest}
          onEnded={refresh}
          testIds={{ job: "expand-job", cancel: "expand-cancel", resume: "expand-resume", dataset: "expanded-dataset" }}
          linkLabel="Open the expanded dataset"
          details={(live) => live.progress?.counts && <ExpandCountsLine counts={live.progress.counts} testId="expand-live-counts" />}
          afterLink={(made) => <ExpansionOutcome spec={parsed} datasetId={made} />}
        />
      )}
    </section>
  );
}

function ExpandForm({ curriculumId, onStarted }: { curriculumId: string; onStarted: () => void }) {
  const trpc = useTRPC();
  const [threshold, setThreshold] = useState("0.9");
  const start = useMutation(trpc.generation.expand.mutationOptions({ onSuccess: onStarted }));
  return (
    <TeacherForm
      testIdPrefix="expand"
      maxTokensLabel="Max tokens per request"
      defaultTemperature="0.8"
      submitLabel="Expand with a teacher"
      pending={start.isPending}
      error={start.error?.message ?? null}
      onSubmit={(settings) => start.mutate({ curriculumId, ...settings, nearDuplicateThreshold: Number(threshold) })}
    >
      <label>
        Near-duplicate similarity
        <input type="number" min={0.5} max={1} step="any" value={threshold} onChange={(e) => setThreshold(e.target.value)} data-testid="expand-threshold" />
      </label>
    </TeacherForm>
  );
}

/** On an expanded dataset's page: what the expand job did, with its duplicate counts. */
export function ExpansionSummary({ datasetId }: { datasetId: string }) {
  const trpc = useTRPC();
  const expansion = useQuery(trpc.generation.expansion.queryOptions({ datasetId }));
  const e = expansion.data;
  if (!e) return null;
  return (
    <section className="panel" aria-label="Expansion" data-testid="expansion-summary" style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>Expanded by a teacher</h2>
      <p className="small">
        {Object.entries(e.types)
          .map(([type, t]) => `${type}: ${t.kept} of ${t.target} new instructions${t.stopped ? ` (stopped: ${t.stopped})` : ""}`)
          .join(" · ")}
        {e.parentId && (
          <>
            {" "}
            · from <Link href={`/datasets/${encodeURIComponent(e.parentId)}`}>its parent dataset</Link>
          </>
        )}
      </p>
      <ExpandCountsLine counts={e.counts} testId="expansion-counts" />
    </section>
  );
}
