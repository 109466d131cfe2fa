import { type PlanRow, planCurriculum } from "~/lib/planning";
import type { CurriculumLaunch } from "~/lib/runs/form";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines } from "~/server/runs/dataset-split";
import { prepareLaunch } from "~/server/runs/prepare-launch";
import { rowColumns } from "./results";
import { getCurriculum } from "./saved-curricula";
import { BadRequest } from "~/lib/errors";

/**
 * Launches a POCL run from a saved curriculum: the runs code builds job.json and the eval split; the plan
 * is planCurriculum (the designer's preview functions) over the training rows, with the curriculum's hash as
 * plan source. train.jsonl holds each selected row once; the plan repeats ids where resampling repeats rows.
 */
export async function launchCurriculum(manager: JobManager, curriculumId: string, form: CurriculumLaunch) {
  const { db } = manager;
  const saved = getCurriculum(db, curriculumId);
  const c = saved.spec;
  const prepared = prepareLaunch(db, { ...form, datasetId: c.dataset_id, seed: c.seed, trainSamples: null });
  const training = new Set(prepared.split.trainIds);
  const typed = rowColumns(db, c.dataset_id, c.resample?.tag_result_id ?? null, c.resample?.difficulty_result_id ?? null);
  const bucket = rowColumns(db, c.dataset_id, null, c.bucket_result_id);
  const rows: PlanRow[] = [];
  typed.ids.forEach((id, i) => {
    if (training.has(id)) rows.push({ id: String(id), type: typed.types[i]!, difficulty: typed.difficulty[i], bucket_score: bucket.difficulty[i] });
  });
  const { plan, counts } = planCurriculum(c, rows, { source: saved.contentHash });
  const selected = [...new Set(plan.stages.flatMap((s) => s.sample_ids))].map(Number);
  if (selected.length === 0) throw new BadRequest(`curriculum ${curriculumId} selects no rows from the ${rows.length} training rows`);
  const job = await manager.createJob({
    kind: "train",
    name: form.name?.trim() || `${saved.name} · POCL`,
    datasetId: c.dataset_id,
    spec: prepared.spec as Record<string, unknown>,
    files: {
      ...prepared.files,
      "data/train.jsonl": rowLines(db, c.dataset_id, selected),
      "plan.json": `${JSON.stringify(plan)}\n`,
      "curriculum.json": `${JSON.stringify({ id: saved.id, name: saved.name, content_hash: saved.contentHash, spec: c }, null, 2)}\n`,
    },
  });
  return { id: job.id, stages: plan.stages.length, samples: counts?.selectedTotal ?? rows.length };
}
