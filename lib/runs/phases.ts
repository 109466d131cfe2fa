import type { JobEvent } from "~/lib/contracts/events";
import type { PhaseName } from "~/lib/contracts/plan";
import { stageMarkStep } from "./stages";

type StageEvent = Extract<JobEvent, { type: "stage" }>;
type PhaseEvent = Extract<JobEvent, { type: "phase" }>;

export const PHASE_LABELS: Record<PhaseName, string> = { kd: "KD phase", dae: "DAE phase" };

/** What a phase marker says: the phase, and for a DAE phase how its samples split between expert and reference. */
export function describePhase(p: PhaseEvent): string {
  const head = `${PHASE_LABELS[p.phase]} (${p.index}/${p.num_phases})`;
  if (p.phase !== "dae" || p.domain_samples === undefined) return head;
  return `${head}: ${p.domain_samples} domain samples from the expert, ${p.num_samples - p.domain_samples} from the reference`;
}

/**
 * The loss charts' markers: one per stage start, and where a phase starts (its first update, like a stage's) the
 * phase named first, so a KD + DAE run shows both phases on its curves. A phase event's `step` counts the updates
 * done before the phase, as a stage event's does.
 */
export function runMarkers(stages: readonly StageEvent[], phases: readonly PhaseEvent[], describeStage: (s: StageEvent) => string): { x: number; label: string; phase?: PhaseName }[] {
  const byStep = new Map(phases.map((p) => [stageMarkStep(p), p]));
  const marks: { x: number; label: string; phase?: PhaseName }[] = stages.map((s) => {
    const x = stageMarkStep(s);
    const phase = byStep.get(x);
    byStep.delete(x);
    return phase ? { x, label: `${describePhase(phase)} · ${describeStage(s)}`, phase: phase.phase } : { x, label: describeStage(s) };
  });
  for (const [x, p] of byStep) marks.push({ x, label: describePhase(p), phase: p.phase });
  return marks.sort((a, b) => a.x - b.x);
}
