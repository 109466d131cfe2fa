import type { Db } from "~/db/client";
import { type Batching, type Curriculum, type PlanRow, planRun, runRows } from "~/lib/planning";
import { rowColumns } from "./results";

/**
 * The plan a curriculum's run trains: planRun (the designer's preview, then the samples drawn and bucketed)
 * over the same columns the designer previews on. Saving checks it can be built, the launch page shows it and
 * the launch writes it as plan.json.
 */
export function planOnDataset(db: Db, c: Curriculum, options: { source: string; batching: Batching }) {
  const typed = rowColumns(db, c.dataset_id, c.resample?.tag_result_id ?? null, c.resample?.difficulty_result_id ?? null);
  const bucket = rowColumns(db, c.dataset_id, null, c.bucket_result_id);
  const rows = typed.ids.map((id, i): PlanRow => ({ id: String(id), type: typed.types[i]!, difficulty: typed.difficulty[i], bucket_score: bucket.difficulty[i] }));
  return planRun(c, rows, runRows(typed, { evalSize: c.eval_size, seed: c.seed }), options);
}
