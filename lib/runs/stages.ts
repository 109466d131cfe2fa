import type { MetricPoint } from "./metric-points";

/**
 * Where a loss chart marks a stage: its first update. The trainer's stage event carries the index of the
 * stage's first optimizer step (0-based, trainer/distill/train.py), while metric events number updates from 1
 * (`step` = updates done), so the mark sits one past the event's step: where the stage's temperature first shows.
 */
export const stageMarkStep = (stageEvent: { step: number }): number => stageEvent.step + 1;

export interface StageLoss {
  stage: number;
  updates: number;
  meanLoss: number;
  meanKd: number | null;
  meanCe: number | null;
  lastLoss: number;
}

/** Mean training losses per stage over the run's metric events (each carries its stage), in stage order. */
export function lossByStage(metrics: readonly MetricPoint[]): StageLoss[] {
  const acc = new Map<number, { n: number; loss: number; kd: number; kdN: number; ce: number; ceN: number; last: number }>();
  for (const m of metrics) {
    if (!Number.isFinite(m.loss)) continue;
    const a = acc.get(m.stage) ?? { n: 0, loss: 0, kd: 0, kdN: 0, ce: 0, ceN: 0, last: m.loss };
    a.n++;
    a.loss += m.loss;
    a.last = m.loss;
    if (m.kd_loss != null && Number.isFinite(m.kd_loss)) (a.kd += m.kd_loss), a.kdN++;
    if (m.ce_loss != null && Number.isFinite(m.ce_loss)) (a.ce += m.ce_loss), a.ceN++;
    acc.set(m.stage, a);
  }
  return [...acc]
    .sort(([x], [y]) => x - y)
    .map(([stage, a]) => ({
      stage,
      updates: a.n,
      meanLoss: a.loss / a.n,
      meanKd: a.kdN ? a.kd / a.kdN : null,
      meanCe: a.ceN ? a.ce / a.ceN : null,
      lastLoss: a.last,
    }));
}
