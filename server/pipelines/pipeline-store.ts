import { randomUUID } from "node:crypto";
import { and, asc, desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { epochMs } from "~/db/epoch-ms";
import { pipelineSteps, pipelines } from "~/db/schema";
import {
  BASELINE_KINDS,
  type BaselineKind,
  type FrozenArtifact,
  type PipelineSettings,
  type PipelineStatus,
  STEP_KINDS,
  type StepKind,
  type StepStatus,
} from "~/lib/contracts/pipeline";
import { NotFound } from "~/lib/errors";

/** What a finished step hands to the steps after it (all optional: each kind fills its own). */
export type StepOutput = {
  /** The round's set as this step left it (select, answer, expand, rewrite). */
  datasetId?: string;
  /** The tag pass typing that set (select, expand). */
  tagResultId?: string;
  /** The saved curriculum the round's expansion targets come from (select). */
  curriculumId?: string;
  /** The selection's per-type numbers and hard share (select). */
  selection?: { types: { type: string; target: number; selected: number; hard: number; toExpand: number }[]; hardShare: number | null };
  /** Rows the expansion added per type (expand). */
  expanded?: Record<string, number>;
  /** The train run (train). */
  runId?: string;
  /** The MFD pass over the seed pool (score). */
  scoreResultId?: string;
  /** The evaluation (eval, eval_initial, eval_teacher): its id is its job's. */
  evaluationId?: string;
};

export type PipelineRow = {
  id: string;
  name: string;
  status: PipelineStatus;
  settings: PipelineSettings;
  settingsHash: string;
  message: string | null;
  createdAt: number;
  updatedAt: number;
};

export type StepRow = {
  pipelineId: string;
  round: number;
  position: number;
  kind: StepKind | BaselineKind;
  status: StepStatus;
  jobId: string | null;
  attempts: number;
  message: string | null;
  output: StepOutput;
  frozen: FrozenArtifact[];
  startedAt: number | null;
  finishedAt: number | null;
};

const pipelineColumns = {
  id: pipelines.id,
  name: pipelines.name,
  status: pipelines.status,
  settings: pipelines.settings,
  settingsHash: pipelines.settingsHash,
  message: pipelines.message,
  createdAt: epochMs(pipelines.createdAt),
  updatedAt: epochMs(pipelines.updatedAt),
};

const stepColumns = {
  pipelineId: pipelineSteps.pipelineId,
  round: pipelineSteps.round,
  position: pipelineSteps.position,
  kind: pipelineSteps.kind,
  status: pipelineSteps.status,
  jobId: pipelineSteps.jobId,
  attempts: pipelineSteps.attempts,
  message: pipelineSteps.message,
  output: pipelineSteps.output,
  frozen: pipelineSteps.frozen,
  startedAt: epochMs(pipelineSteps.startedAt),
  finishedAt: epochMs(pipelineSteps.finishedAt),
};

type StoredPipeline = { settings: string } & Omit<PipelineRow, "settings">;
type StoredStep = { kind: string; output: string | null; frozen: string } & Omit<StepRow, "kind" | "output" | "frozen">;

const toPipeline = (r: StoredPipeline): PipelineRow => ({ ...r, settings: JSON.parse(r.settings) as PipelineSettings });
const toStep = (r: StoredStep): StepRow => ({
  ...r,
  kind: r.kind as StepRow["kind"],
  output: r.output ? (JSON.parse(r.output) as StepOutput) : {},
  frozen: JSON.parse(r.frozen) as FrozenArtifact[],
});

/** Stores a pipeline with every step of every round pending (the baselines as round 0). */
export function insertPipeline(db: Db, settings: PipelineSettings, settingsHash: string): string {
  const id = `pl-${randomUUID()}`;
  const now = new Date();
  db.transaction((tx) => {
    tx.insert(pipelines)
      .values({ id, name: settings.name.trim() || `Pipeline ${id.slice(3, 11)}`, status: "running", settings: JSON.stringify(settings), settingsHash, updatedAt: now })
      .run();
    const steps = [
      ...(settings.evaluateBaselines ? BASELINE_KINDS.map((kind, position) => ({ round: 0, position, kind })) : []),
      ...Array.from({ length: settings.rounds }, (_, r) => STEP_KINDS.map((kind, position) => ({ round: r + 1, position, kind }))).flat(),
    ];
    for (const s of steps) tx.insert(pipelineSteps).values({ pipelineId: id, ...s, status: "pending" }).run();
  });
  return id;
}

export function pipelineRow(db: Db, id: string): PipelineRow {
  const row = db.select(pipelineColumns).from(pipelines).where(eq(pipelines.id, id)).get() as StoredPipeline | undefined;
  if (!row) throw new NotFound(`pipeline ${id} does not exist`);
  return toPipeline(row);
}

export function allPipelines(db: Db): PipelineRow[] {
  return (db.select(pipelineColumns).from(pipelines).orderBy(desc(pipelines.createdAt)).all() as StoredPipeline[]).map(toPipeline);
}

export function pipelinesWithStatus(db: Db, status: PipelineStatus): PipelineRow[] {
  return (db.select(pipelineColumns).from(pipelines).where(eq(pipelines.status, status)).all() as StoredPipeline[]).map(toPipeline);
}

/** Every step in the order they run: baselines, then round 1's, round 2's, … */
export function stepsOf(db: Db, pipelineId: string): StepRow[] {
  return (
    db.select(stepColumns).from(pipelineSteps).where(eq(pipelineSteps.pipelineId, pipelineId)).orderBy(asc(pipelineSteps.round), asc(pipelineSteps.position)).all() as StoredStep[]
  ).map(toStep);
}

/** The step a job ran for, if a pipeline started it. */
export function stepOfJob(db: Db, jobId: string): StepRow | null {
  const row = db.select(stepColumns).from(pipelineSteps).where(eq(pipelineSteps.jobId, jobId)).get() as StoredStep | undefined;
  return row ? toStep(row) : null;
}

export type StepChange = Partial<Pick<StepRow, "status" | "jobId" | "attempts" | "message" | "output" | "frozen" | "startedAt" | "finishedAt">>;

/**
 * Changes a step only while it is still in `from` (a status), so that two callers racing over it (a job hook and
 * the start-up reconcile) change it once; answers whether it did.
 */
export function updateStep(db: Db, step: Pick<StepRow, "pipelineId" | "round" | "position">, from: StepStatus, change: StepChange): boolean {
  const { output, frozen, startedAt, finishedAt, ...rest } = change;
  const values = {
    ...rest,
    ...(output !== undefined ? { output: JSON.stringify(output) } : {}),
    ...(frozen !== undefined ? { frozen: JSON.stringify(frozen) } : {}),
    ...(startedAt !== undefined ? { startedAt: startedAt === null ? null : new Date(startedAt) } : {}),
    ...(finishedAt !== undefined ? { finishedAt: finishedAt === null ? null : new Date(finishedAt) } : {}),
  };
  const result = db
    .update(pipelineSteps)
    .set(values)
    .where(
      and(
        eq(pipelineSteps.pipelineId, step.pipelineId),
        eq(pipelineSteps.round, step.round),
        eq(pipelineSteps.position, step.position),
        eq(pipelineSteps.status, from),
      ),
    )
    .run();
  return result.changes === 1;
}

export function setPipelineStatus(db: Db, id: string, status: PipelineStatus, message: string | null = null): void {
  db.update(pipelines).set({ status, message, updatedAt: new Date() }).where(eq(pipelines.id, id)).run();
}
