import { desc, eq, getTableColumns } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "~/db/client";
import { epochMs } from "~/db/epoch-ms";
import { curricula, datasets } from "~/db/schema";
import { type Curriculum, contentHash, curriculum } from "~/lib/planning";
import { BadRequest, NotFound, UserError } from "~/lib/errors";
import { planOnDataset } from "./run-plan";

const columns = { ...getTableColumns(curricula), createdAt: epochMs(curricula.createdAt) };
const withSpec = <Row extends { spec: string }>(r: Row) => ({ ...r, spec: JSON.parse(r.spec) as Curriculum });
const select = (db: Db) => db.select(columns).from(curricula);

/** Freezes a version under its content hash; saving the same spec again returns the version already saved. */
export async function saveCurriculum(db: Db, name: string, input: unknown) {
  const parsed = curriculum.safeParse(input);
  if (!parsed.success) throw new BadRequest(`invalid curriculum: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const spec = parsed.data;
  const dataset = db.select({ id: datasets.id }).from(datasets).where(eq(datasets.id, spec.dataset_id)).get();
  if (!dataset) throw new NotFound(`dataset ${spec.dataset_id} does not exist`);
  const hash = await contentHash(spec);
  try {
    // Batching changes only the step count, never whether a plan can be built.
    planOnDataset(db, spec, { source: hash, batching: { batch_size: 1, grad_accum: 1 } });
  } catch (e) {
    throw e instanceof UserError ? new BadRequest(`not saved: the plan cannot be built: ${e.message}`, { cause: e }) : e;
  }
  const existing = select(db).where(eq(curricula.contentHash, hash)).get();
  if (existing) return { ...withSpec(existing), existed: true };
  const id = randomUUID();
  db.insert(curricula)
    .values({ id, datasetId: spec.dataset_id, name: name.trim() || `Curriculum ${hash.slice(0, 8)}`, contentHash: hash, spec: JSON.stringify(spec) })
    .run();
  return { ...getCurriculum(db, id), existed: false };
}

export function getCurriculum(db: Db, id: string) {
  const row = select(db).where(eq(curricula.id, id)).get();
  if (!row) throw new NotFound(`curriculum ${id} does not exist`);
  return withSpec(row);
}

export function listCurricula(db: Db, datasetId: string) {
  return select(db).where(eq(curricula.datasetId, datasetId)).orderBy(desc(curricula.createdAt)).all().map(withSpec);
}

/** The rows a saved curriculum's plan selects, each once (resampling may repeat one), for a job over them. */
export function curriculumRows(db: Db, id: string, datasetId: string): { name: string; ids: number[] } {
  const saved = getCurriculum(db, id);
  if (saved.datasetId !== datasetId) throw new BadRequest(`curriculum “${saved.name}” belongs to another dataset; pick one saved for this dataset`);
  const { plan } = planOnDataset(db, saved.spec, { source: saved.contentHash, batching: { batch_size: 1, grad_accum: 1 } });
  return { name: saved.name, ids: [...new Set(plan.stages.flatMap((stage) => stage.sample_ids))].map(Number) };
}
