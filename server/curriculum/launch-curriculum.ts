import type { Db } from "~/db/client";
import { type Batching, curriculum, describeRunRows, stepsPerEpoch } from "~/lib/planning";
import { type DaePlanChoice, daePlanChoice, planWithDae } from "~/lib/runs/dae";
import { type CurriculumLaunch, launchForm } from "~/lib/runs/form";
import type { JobManager } from "~/server/jobs/manager";
import { prepareLaunch, trainDomainShare } from "~/server/runs/prepare-launch";
import { modelRoots, outputRoots } from "~/server/runs/model-roots";
import { planOnDataset } from "./run-plan";
import { getCurriculum } from "./saved-curricula";

/** A saved curriculum and the plan its run trains with this batching (planOnDataset). */
export function curriculumRunPlan(db: Db, curriculumId: string, batching: Batching) {
  const saved = getCurriculum(db, curriculumId);
  const spec = curriculum.parse(saved.spec);
  return { saved, spec, ...planOnDataset(db, spec, { source: saved.contentHash, batching }) };
}

/**
 * What the launch page shows of the plan: one line per stage, with its buckets, samples and optimizer steps, and
 * with a DAE phase (`dae`, as the form holds it) its stage after the curriculum's (or in their place), as the
 * launch writes plan.json.
 */
export function curriculumPlanSummary(db: Db, curriculumId: string, batching: Batching, dae: DaePlanChoice = daePlanChoice.parse({})) {
  const { spec, plan, preview } = curriculumRunPlan(db, curriculumId, batching);
  const { schedule } = preview;
  const stages = planWithDae(plan, dae).stages.map((stage) => {
    const common = { stage: stage.stage, phase: stage.phase ?? null, samples: stage.sample_ids.length, epochs: stage.epochs, temperature: stage.temperature, kdWeight: stage.kd_weight };
    // The DAE stage goes over every training row, whatever their buckets; the KD stages keep their numbers.
    if (stage.phase === "dae") return { ...common, buckets: [], steps: stepsPerEpoch(stage.sample_ids.length, batching) * stage.epochs };
    const segment = schedule.segments[stage.stage - 1]!;
    return { ...common, buckets: segment.bucketSamples.flatMap((n, b) => (n > 0 ? [b + 1] : [])), steps: segment.endStep - segment.startStep };
  });
  return {
    evalSize: spec.eval_size,
    trainingRows: describeRunRows(preview.run),
    samples: preview.counts?.selectedTotal ?? preview.run.positions.length,
    bucketSizes: schedule.bucketSizes,
    totalSteps: stages.reduce((sum, s) => sum + s.steps, 0),
    /** The share of the rows the run trains on that are flagged as domain, for a DAE phase. */
    domain: trainDomainShare(db, spec.dataset_id, [...new Set(plan.stages.flatMap((s) => s.sample_ids))].map(Number)),
    stages,
  };
}

/**
 * Launches a POCL run from a saved curriculum: the runs code builds job.json from the form and the
 * curriculum's eval split; train.jsonl holds each selected row once, and the plan repeats ids where
 * resampling repeats rows.
 */
export async function launchCurriculum(manager: JobManager, curriculumId: string, form: CurriculumLaunch) {
  const { db } = manager;
  const batching = { batch_size: launchForm.shape.batchSize.parse(form.batchSize), grad_accum: launchForm.shape.gradAccum.parse(form.gradAccum) };
  const { saved, spec: c, plan, preview } = curriculumRunPlan(db, curriculumId, batching);
  const prepared = prepareLaunch(
    db,
    { ...form, datasetId: c.dataset_id, seed: c.seed, trainSamples: null, evalSize: c.eval_size },
    modelRoots(),
    outputRoots(),
    { split: preview.run.split, plan },
  );
  const job = await manager.createJob({
    kind: "train",
    name: form.name?.trim() || `${saved.name} · POCL`,
    datasetId: c.dataset_id,
    spec: prepared.spec as Record<string, unknown>,
    files: {
      ...prepared.files,
      "curriculum.json": `${JSON.stringify({ id: saved.id, name: saved.name, content_hash: saved.contentHash, spec: c }, null, 2)}\n`,
    },
  });
  return { id: job.id, stages: prepared.plan.stages.length, samples: preview.counts?.selectedTotal ?? preview.run.positions.length };
}
