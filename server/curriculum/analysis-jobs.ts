import type { ModelRef } from "~/lib/contracts/job";
import type { JobManager } from "~/server/jobs/manager";
import { rowLines, usableRowIds } from "~/server/runs/dataset-split";
import { confineModelPath, modelRoots } from "~/server/runs/model-roots";
import { BadRequest } from "~/lib/errors";

/**
 * The three analysis jobs the curriculum page starts: each gets the dataset's usable rows as
 * data/rows.jsonl ({id: String(dataset_rows.id), messages}); their outputs are imported when they succeed.
 */
export type AnalysisRequest =
  | { kind: "tag"; datasetId: string; taggerPath?: string | null }
  | { kind: "score"; datasetId: string; scorer: "pocl" | "mfd_ce"; studentLayers: number; maxNewTokens: number; batchSize?: number }
  | { kind: "lengths"; datasetId: string };

/** A request the curriculum page cannot start a job for; the message says why. */
export class AnalysisError extends BadRequest {}

function confined(path: string): string {
  try {
    return confineModelPath("dir", path, modelRoots());
  } catch (e) {
    throw new AnalysisError(`tagger folder: ${(e as Error).message}`);
  }
}

function jobFields(req: AnalysisRequest): { name: string; spec: Record<string, unknown> } {
  const teacher: ModelRef = { source: "embedded" };
  switch (req.kind) {
    case "tag":
      return req.taggerPath?.trim()
        ? { name: "Tag task types (checkpoint)", spec: { tagger: { source: "dir", path: confined(req.taggerPath.trim()) } } }
        : { name: "Tag task types (MiniLM)", spec: { tagger: { source: "embedded" } } };
    case "score":
      return {
        name: `Score difficulty (${req.scorer}, ${req.studentLayers}-layer student)`,
        spec: {
          scorer: req.scorer,
          teacher,
          student: { source: "pruned", num_layers: req.studentLayers },
          max_new_tokens: req.maxNewTokens,
          ...(req.batchSize ? { batch_size: req.batchSize } : {}),
        },
      };
    case "lengths":
      return { name: "Count tokens (teacher tokenizer)", spec: { tokenizer: teacher } };
  }
}

export async function startAnalysisJob(manager: JobManager, req: AnalysisRequest) {
  const { db } = manager;
  const ids = usableRowIds(db, req.datasetId, { answered: req.kind === "score" });
  const { name, spec } = jobFields(req);
  const job = await manager.createJob({
    kind: req.kind,
    name,
    datasetId: req.datasetId,
    spec,
    files: { "data/rows.jsonl": rowLines(db, req.datasetId, ids) },
  });
  return { jobId: job.id };
}
