import { randomUUID } from "node:crypto";
import type { Db } from "~/db/client";
import { type Curriculum, contentHash, curriculum } from "~/lib/planning";
import { BadRequest, NotFound, UserError } from "~/lib/errors";
import { planOnDataset } from "./run-plan";

type CurriculumRow = { id: string; datasetId: string; name: string; contentHash: string; spec: string; createdAt: number };

const columns = "id, dataset_id as datasetId, name, content_hash as contentHash, spec, created_at as createdAt";
const withSpec = (r: CurriculumRow) => ({ ...r, spec: JSON.parse(r.spec) as Curriculum });

/** Freezes a version under its content hash; saving the same spec again returns the version already saved. */
export async function saveCurriculum(db: Db, name: string, input: unknown) {
  const parsed = curriculum.safeParse(input);
  if (!parsed.success) throw new BadRequest(`invalid curriculum: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const spec = parsed.data;
  const dataset = db.$client.prepare("select 1 from datasets where id = ?").get(spec.dataset_id);
  if (!dataset) throw new NotFound(`dataset ${spec.dataset_id} does not exist`);
  const hash = await contentHash(spec);
  try {
    // Batching changes only the step count, never whether a plan can be built.
    planOnDataset(db, spec, { source: hash, batching: { batch_size: 1, grad_accum: 1 } });
  } catch (e) {
    throw e instanceof UserError ? new BadRequest(`not saved: the plan cannot be built: ${e.message}`, { cause: e }) : e;
  }
  const existing = db.$client.prepare(`select ${columns} from curricula where content_hash = ?`).get(hash) as CurriculumRow | undefined;
  if (existing) return { ...withSpec(existing), existed: true };
  const id = randomUUID();
  db.$client
    .prepare("insert into curricula (id, dataset_id, name, content_hash, spec) values (?, ?, ?, ?, ?)")
    .run(id, spec.dataset_id, name.trim() || `Curriculum ${hash.slice(0, 8)}`, hash, JSON.stringify(spec));
  return { ...getCurriculum(db, id), existed: false };
}

export function getCurriculum(db: Db, id: string) {
  const row = db.$client.prepare(`select ${columns} from curricula where id = ?`).get(id) as CurriculumRow | undefined;
  if (!row) throw new NotFound(`curriculum ${id} does not exist`);
  return withSpec(row);
}

export function listCurricula(db: Db, datasetId: string) {
  return (db.$client.prepare(`select ${columns} from curricula where dataset_id = ? order by created_at desc`).all(datasetId) as CurriculumRow[]).map(withSpec);
}
