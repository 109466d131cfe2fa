"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { type AnswerSubset, ORIGIN_LABELS, rowOrigin } from "~/lib/contracts/generation";
import { formatRows } from "~/lib/format";
import { GenerationJob, TeacherForm, useLatestJob } from "./generation-job";

/**
 * "Answer with a teacher": an endpoint answers the prompts of the dataset (all, those of the row browser's search,
 * or a saved curriculum's selection) into a new dataset. The latest answer job of the dataset is shown (live
 * progress and cancel while it runs, resume once stopped, a link to its dataset once done), so the panel survives
 * a reload.
 */
export function AnswerPanel({ datasetId }: { datasetId: string }) {
  const { latest, active, refresh } = useLatestJob(datasetId, "answer");

  return (
    <section className="panel" aria-label="Answer with a teacher" style={{ marginTop: "1rem" }}>
      <h2 style={{ marginTop: 0 }}>Answer with a teacher</h2>
      <p className="small muted">
        A teacher model behind an endpoint answers the prompts of this dataset; the answers become a new dataset linked to this one. Endpoints
        are set up on the <Link href="/endpoints">Endpoints</Link> page.
      </p>
      {!active && <AnswerForm datasetId={datasetId} onStarted={refresh} />}
      {latest && (
        <GenerationJob
          key={latest.id}
          job={latest}
          onEnded={refresh}
          testIds={{ job: "answer-job", cancel: "answer-cancel", resume: "answer-resume", dataset: "answered-dataset" }}
          linkLabel="Open the answered dataset"
        />
      )}
    </section>
  );
}

/**
 * The row browser's search (?q=, among the rows of its origin filter ?origin= when set) and the dataset's saved
 * curricula, as the subsets one may answer.
 */
function useSubset(datasetId: string) {
  const trpc = useTRPC();
  const [q] = useSearchParam("q");
  const [originParam] = useSearchParam("origin");
  const search = q?.trim() || null;
  const origin = rowOrigin.safeParse(originParam).data;
  const curricula = useQuery(trpc.curriculum.list.queryOptions({ datasetId }));
  const [choice, setChoice] = useState("all");
  // A choice that no longer exists (the search was cleared) falls back to every row.
  const subset: AnswerSubset =
    choice === "search" && search
      ? { kind: "search", q: search, ...(origin ? { origin } : {}) }
      : choice.startsWith("curriculum:") && curricula.data?.some((c) => `curriculum:${c.id}` === choice)
        ? { kind: "curriculum", curriculumId: choice.slice("curriculum:".length) }
        : { kind: "all" };
  const value = subset.kind === "all" ? "all" : choice;
  const count = useQuery(trpc.generation.answerCount.queryOptions({ datasetId, subset }));
  const select = (
    <label>
      Rows to answer
      <select value={value} onChange={(e) => setChoice(e.target.value)} data-testid="answer-subset">
        <option value="all">Every row</option>
        {search && (
          <option value="search">
            The rows matching “{search}”{origin ? ` among the ${ORIGIN_LABELS[origin]} rows` : ""} (the search above)
          </option>
        )}
        {curricula.data?.map((c) => (
          <option key={c.id} value={`curriculum:${c.id}`}>
            The rows curriculum “{c.name}” selects
          </option>
        ))}
      </select>
    </label>
  );
  const summary = count.error ? (
    <p className="error small" role="alert" data-testid="answer-count">{count.error.message}</p>
  ) : (
    <p className="small" data-testid="answer-count" aria-live="polite">
      {count.data ? `${formatRows(count.data.rows)} will be answered (duplicates aside).` : "Counting the rows…"}
    </p>
  );
  return { subset, select, summary, ready: count.data !== undefined && count.data.rows > 0 };
}

function AnswerForm({ datasetId, onStarted }: { datasetId: string; onStarted: () => void }) {
  const trpc = useTRPC();
  const rows = useSubset(datasetId);
  const start = useMutation(trpc.generation.answer.mutationOptions({ onSuccess: onStarted }));
  return (
    <TeacherForm
      testIdPrefix="answer"
      maxTokensLabel="Max tokens per answer"
      defaultTemperature="0.7"
      submitLabel="Answer with a teacher"
      pending={start.isPending}
      ready={rows.ready}
      error={start.error?.message ?? null}
      onSubmit={(settings) => start.mutate({ datasetId, subset: rows.subset, ...settings })}
    >
      {rows.select}
      <div style={{ flexBasis: "100%" }}>{rows.summary}</div>
    </TeacherForm>
  );
}
