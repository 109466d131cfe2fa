/** Curriculum planning, pure TS (browser and server): TAPIR resampling, POCL buckets and stages, plan.json. */
export { canonicalJson, sha256Json } from "./content-hash";
export {
  type CurriculumInput,
  type CurriculumPlan,
  type CurriculumResample,
  type Curriculum,
  type PlanRow,
  type PreviewRows,
  contentHash,
  curriculum,
  curriculumResample,
  planCurriculum,
  previewCurriculum,
} from "./curriculum";
export {
  type BuildPlanInput,
  type Schedule,
  type ScheduleInput,
  type ScoreDirection,
  type StageLayout,
  bucketSizes,
  buildTrainPlan,
  easyToHardOrder,
  linearRamp,
  schedule,
  scoreDirection,
  stageLayout,
} from "./pocl";
export {
  RATIO_PRESETS,
  type RatioPreset,
  type Ratios,
  countTypes,
  datasetMixRatios,
  encodeTypes,
  normaliseRatios,
  presetRatios,
  tapirRatios,
  uniformRatios,
} from "./ratios";
export {
  type PoolCounts,
  type PoolName,
  REPEAT_WARNING_FACTOR,
  type RepeatWarning,
  type ResampleCounts,
  type ResampleInput,
  type ResampleResult,
  type TypeCounts,
  overRepeated,
  previewCounts,
  resample,
} from "./resample";
export { DAE_STAGE_DEFAULTS, type DaeStageSettings, withDaePhase } from "./dae";
export { type DatasetColumns, type RunPreview, type RunRows, describeRunRows, planRun, previewRun, runRows, trainingColumns } from "./run-plan";
export { type RunSplit, splitRows } from "./run-split";
export { type Rng, createRng, partialShuffle, sampleWithoutReplacement, shuffle } from "./rng";
export {
  type Batching,
  type SchedulePreview,
  type SeriesPoint,
  type StageSegment,
  expandSeries,
  previewSchedule,
  stepsPerEpoch,
} from "./schedule-series";
export { MFD_BINS, type RoundSelection, type RoundSelectionInput, type RoundTypeSelection, mfdHistogram, selectRound } from "./round-selection";
