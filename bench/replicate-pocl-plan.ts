/**
 * The studio's side of bench/replicate_pocl.py: what a launch would write, computed by the studio's own code so
 * the replication trains what the studio trains. Reads one JSON request on stdin, writes one JSON answer on stdout.
 *
 * - {"op": "rows", "alpaca": PATH, "trainSamples": N, "seed": S}: the Alpaca file read as the import reads it
 *   (alpacaToMessages), answered rows only, and the seeded draw of N training rows a plain launch makes
 *   (splitRows, no eval hold-out) → {"rows": [{id, messages}]}.
 * - {"op": "arms", "form": {...launch form fields}, "rows": [{id, difficulty}], "schedule": {...}}: the job.json
 *   and plan.json of both arms over the same rows and optimizer steps. POCL: a curriculum (no resampling, the
 *   score pass's difficulty as its bucketing score) planned by planRun, as a curriculum launch does. Plain: the
 *   launch form's single stage (plainPlan) with as many epochs as make its steps equal POCL's; a size where no
 *   whole number of epochs does is refused. → {"pocl": {job, plan, steps}, "plain": {job, plan, steps}}.
 */
import { readFileSync } from "node:fs";
import { type Batching, type CurriculumInput, planRun, previewSchedule, runRows, splitRows } from "~/lib/planning";
import { formToTrainJob, plainPlan } from "~/lib/runs/build-spec";
import { launchForm } from "~/lib/runs/form";
import { type AlpacaSource, alpacaToMessages } from "~/server/ingest/canonical";

type RowsRequest = { op: "rows"; alpaca: string; trainSamples: number; seed: number };
type ArmsRequest = { op: "arms"; form: Record<string, unknown>; rows: { id: string; difficulty: number | null }[]; schedule: CurriculumInput["schedule"] };

function rows(req: RowsRequest) {
  const records = JSON.parse(readFileSync(req.alpaca, "utf8")) as AlpacaSource[];
  const all = records.map((r, i) => ({ id: i + 1, messages: alpacaToMessages(r) }));
  const answered = all.filter((r) => r.messages.at(-1)?.role === "assistant");
  const { trainIds } = splitRows(answered.map((r) => r.id), { evalSize: 0, trainSamples: req.trainSamples, seed: req.seed });
  const byId = new Map(answered.map((r) => [r.id, r]));
  return { rows: trainIds.map((id) => ({ id: String(id), messages: byId.get(id)!.messages })) };
}

function arms(req: ArmsRequest) {
  const meta = { createdAt: new Date().toISOString() };
  const ids = req.rows.map((r) => Number(r.id));
  const spec: CurriculumInput = { dataset_id: "alpaca_en_demo", resample: null, schedule: req.schedule, bucket_result_id: "pocl", seed: Number(req.form.seed ?? 10), eval_size: 0 };
  const poclForm = launchForm.parse({ ...req.form, datasetId: "alpaca_en_demo", evalSize: 0, trainSamples: null });
  const batching: Batching = { batch_size: poclForm.batchSize, grad_accum: poclForm.gradAccum };
  const planRows = req.rows.map((r) => ({ id: r.id, type: "General", bucket_score: r.difficulty }));
  const pocl = planRun(spec, planRows, runRows({ ids, promptOnlyAt: [] }, { evalSize: 0, seed: spec.seed ?? 10 }), { source: "pocl", batching });
  const steps = pocl.preview.schedule.totalSteps;

  const perEpoch = previewSchedule(ids.length, { mode: "plain", epochs_per_stage: 1 }, batching).totalSteps;
  if (steps % perEpoch !== 0) {
    throw new Error(
      `POCL takes ${steps} optimizer steps and a plain epoch over ${ids.length} rows takes ${perEpoch}: no whole number of plain epochs matches it. ` +
        `Choose rows a multiple of buckets × batch size and an even number of epochs per stage.`,
    );
  }
  const plainForm = launchForm.parse({ ...req.form, datasetId: "alpaca_en_demo", evalSize: 0, epochs: steps / perEpoch });
  const plain = plainPlan(plainForm, req.rows.map((r) => r.id));
  return {
    pocl: { job: formToTrainJob(poclForm, { id: "pocl", ...meta }), plan: pocl.plan, steps },
    plain: { job: formToTrainJob(plainForm, { id: "plain", ...meta }), plan: plain, steps: previewSchedule(ids.length, { mode: "plain", epochs_per_stage: plainForm.epochs }, batching).totalSteps },
  };
}

const request = JSON.parse(readFileSync(0, "utf8")) as RowsRequest | ArmsRequest;
process.stdout.write(JSON.stringify(request.op === "rows" ? rows(request) : arms(request)));
