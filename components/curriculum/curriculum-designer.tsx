"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ImportProgress } from "~/components/datasets/import-progress";
import { LengthHistograms } from "~/components/datasets/length-histograms";
import { countTypes, describeRunRows, encodeTypes, previewRun, runRows, trainingColumns } from "~/lib/planning";
import { useTRPC } from "~/components/trpc/react";
import { AnalysisJobs } from "./analysis-jobs";
import { DifficultyByType, DifficultyChart, NO_FILTER, type RowFilter, TypeChart } from "./analysis-charts";
import { evalSizeOf, toCurriculum } from "~/lib/planning/designer-state";
import { FilteredRows } from "./filtered-rows";
import { ResampleDesigner } from "./resample-designer";
import { ResultPickers } from "./result-pickers";
import { ScoreComponentCharts } from "./score-component-charts";
import { SavedCurricula } from "./saved-curricula";
import { ScheduleDesigner } from "./schedule-designer";
import { useDesignerState } from "./use-designer-state";
import { useSettledValue } from "~/components/use-settled-value";

/** How long a design must rest before the charts redraw (the counts table follows every key). */
const CHART_SETTLE_MS = 150;

/**
 * The curriculum page: analysis jobs and their passes, histograms that filter a row list, and the resampling
 * and schedule designers previewing with lib/planning on columns fetched once per chosen pass.
 */
export function CurriculumDesigner({ datasetId, initialState }: { datasetId: string; initialState: string | null }) {
  const trpc = useTRPC();
  const [state, update] = useDesignerState(initialState);
  const [filter, setFilter] = useState<RowFilter>(NO_FILTER);
  const dataset = useQuery({
    ...trpc.datasets.get.queryOptions({ id: datasetId }),
    refetchInterval: (q) => (q.state.data?.status === "importing" ? 2_000 : false),
  });
  // Columns read during an import would hold only the rows in so far, and the design's defaults would be taken from them.
  const ready = dataset.data?.status === "ready";
  const results = useQuery({
    ...trpc.curriculum.results.queryOptions({ datasetId }),
    refetchInterval: (q) => (q.state.data?.jobs.some((j) => j.status === "queued" || j.status === "running") ? 1500 : false),
  });
  const columns = useQuery({ ...trpc.curriculum.columns.queryOptions({ datasetId, tagResultId: state.tag, scoreResultId: state.score }), enabled: ready });

  // A pass that has just been imported is taken up when none is chosen yet.
  const newestTag = results.data?.tags[0]?.id;
  const newestScore = results.data?.scores[0]?.id;
  useEffect(() => {
    if (newestTag && !results.data?.tags.some((t) => t.id === state.tag)) update({ tag: newestTag });
  }, [newestTag]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (newestScore && state.score == null) update({ score: newestScore, bucketBy: state.bucketBy ?? newestScore });
  }, [newestScore]); // eslint-disable-line react-hooks/exhaustive-deps

  const codes = useMemo(() => (columns.data ? encodeTypes(columns.data.types) : null), [columns.data]);
  const difficulty = useMemo(() => (columns.data ? Float64Array.from(columns.data.difficulty, (d) => d ?? Number.NaN) : null), [columns.data]);
  const answered = columns.data ? columns.data.ids.length - columns.data.promptOnlyAt.length : 0;
  const evalSize = evalSizeOf(state, answered);
  // The rows the run will train on (answered, less the eval hold-out): the preview, the defaults and the presets see only these.
  const run = useMemo(() => {
    if (!columns.data) return { value: null, error: null };
    try {
      return { value: runRows(columns.data, { evalSize, seed: state.seed }), error: null };
    } catch (e) {
      return { value: null, error: (e as Error).message };
    }
  }, [columns.data, evalSize, state.seed]);
  const trainingTypes = useMemo(() => (codes && run.value ? countTypes(trainingColumns({ types: codes }, run.value).types as number[]) : {}), [codes, run.value]);
  const spec = useMemo(() => toCurriculum(datasetId, state, { answered, trainingTypes }), [datasetId, state, answered, trainingTypes]);
  const batching = useMemo(() => ({ batch_size: state.batchSize, grad_accum: state.gradAccum }), [state.batchSize, state.gradAccum]);
  const preview = useMemo(() => {
    if (!codes || !run.value) return { value: null, error: run.error };
    try {
      // The schedule preview needs sizes only, so it is drawn before a pass to bucket by is chosen (saving waits for one).
      const sizesOnly = { ...spec, bucket_result_id: spec.bucket_result_id ?? (state.mode === "plain" ? null : "not chosen yet") };
      return { value: previewRun(sizesOnly, { types: codes, difficulty }, run.value, batching), error: null };
    } catch (e) {
      return { value: null, error: (e as Error).message };
    }
  }, [spec, codes, difficulty, run, state.mode, batching]);

  // A slider key re-renders the counts table at once; the charts redraw once the design rests (a Recharts redraw
  // takes longer than a key repeat), and the panels whose inputs did not change are memoised.
  const settledCounts = useSettledValue(preview.value?.counts ?? null, CHART_SETTLE_MS);
  const scheduleKey = preview.value ? JSON.stringify(preview.value.schedule) : "";
  const schedule = useMemo(() => preview.value?.schedule ?? null, [scheduleKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const settledSchedule = useSettledValue(schedule, CHART_SETTLE_MS);
  const pickType = useCallback((type: string) => setFilter((f) => ({ ...f, type })), []);
  const pickRange = useCallback((min: number, max: number) => setFilter((f) => ({ ...f, min, max, component: null })), []);
  const patchFilter = useCallback((patch: Partial<RowFilter>) => setFilter((f) => ({ ...f, ...patch })), []);
  const clearFilter = useCallback(() => setFilter(NO_FILTER), []);

  if (results.error) return <p className="error" role="alert">{results.error.message}</p>;
  if (!results.data || !dataset.data) return <p className="muted">Loading…</p>;
  if (!ready) return <DatasetNotReady dataset={dataset.data} />;
  const hasDifficulty = state.score != null && (columns.data?.difficulty.some((d) => d != null) ?? false);
  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>Curriculum · {dataset.data.name}</h1>
        <a href={`/datasets/${encodeURIComponent(datasetId)}`}>back to the dataset</a>
      </div>
      <AnalysisJobs datasetId={datasetId} results={results.data} />
      <ResultPickers results={results.data} tag={state.tag} score={state.score} onTag={(tag) => update({ tag })} onScore={(score) => update({ score })} />
      {columns.data && columns.data.unlabelled > 0 && (
        <p className="small muted" data-testid="unlabelled">{columns.data.unlabelled} rows have no task type yet and count as Others: tag the dataset or label them by hand.</p>
      )}
      {columns.data && columns.data.promptOnly > 0 && (
        <p className="small muted" data-testid="prompt-only">
          {columns.data.promptOnly} of {columns.data.ids.length} rows are prompts without an answer: they count in the charts below, but runs train on
          answered rows only, and the resampling and schedule leave them out.
        </p>
      )}
      <TypeChart counts={settledCounts} onPick={pickType} />
      {columns.data && hasDifficulty && (
        <div className="grid2">
          <DifficultyChart difficulty={columns.data.difficulty} onRange={pickRange} />
          <DifficultyByType types={columns.data.types} difficulty={columns.data.difficulty} />
        </div>
      )}
      {columns.data && hasDifficulty && state.score && (
        <ScoreComponentCharts datasetId={datasetId} scoreResultId={state.score} difficulty={columns.data.difficulty} buckets={state.buckets} onFilter={patchFilter} />
      )}
      <LengthHistograms datasetId={datasetId} />
      <FilteredRows datasetId={datasetId} tag={state.tag} score={state.score} filter={filter} onClear={clearFilter} />
      {run.value && (
        <p className="small" data-testid="run-rows">
          The run trains on {describeRunRows(run.value)}; the resampling and the schedule below are planned on these, as the launch will.
        </p>
      )}
      {preview.error && <p className="error" role="alert" data-testid="design-error">The plan cannot be built: {preview.error}.</p>}
      <ResampleDesigner state={state} update={update} spec={spec} evalSize={evalSize} counts={preview.value?.counts ?? null} typeCounts={trainingTypes} hasDifficulty={hasDifficulty} />
      <ScheduleDesigner state={state} update={update} preview={settledSchedule} scores={results.data.scores} />
      <SavedCurricula
        datasetId={datasetId}
        spec={spec}
        batching={batching}
        invalid={preview.error ? `the plan cannot be built: ${preview.error}` : state.mode !== "plain" && !state.bucketBy ? "choose a score pass to bucket by (or the plain schedule)" : null}
      />
    </>
  );
}

/** The designer's page while its dataset is importing (it opens once every row is in) or after its import failed. */
function DatasetNotReady({ dataset }: { dataset: { id: string; name: string; status: string; jobId: string | null; error: string | null } }) {
  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>Curriculum · {dataset.name}</h1>
        <a href={`/datasets/${encodeURIComponent(dataset.id)}`}>back to the dataset</a>
      </div>
      {dataset.status === "importing" ? (
        <div data-testid="designer-waits">
          <p>This dataset is still importing: the designer opens here once every row is in.</p>
          {dataset.jobId && <ImportProgress datasetId={dataset.id} jobId={dataset.jobId} />}
        </div>
      ) : (
        <p className="error" role="alert" data-testid="designer-waits">
          This dataset&apos;s import failed{dataset.error ? ` (${dataset.error})` : ""}: it has no rows to design a curriculum on. Import the file again.
        </p>
      )}
    </>
  );
}
