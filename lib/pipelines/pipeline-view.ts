import type { BaselineKind, PipelineDetail, PipelineStatus, PipelineStep, StepKind, StepStatus } from "~/lib/contracts/pipeline";
import type { JobStatus } from "~/lib/contracts/job";

/** How the page names each step of a round and each baseline evaluation. */
export const STEP_LABELS: Record<StepKind | BaselineKind, string> = {
  select: "select the set",
  answer: "teacher answers",
  expand: "expand",
  rewrite: "rewrite",
  train: "train",
  score: "judge (MFD)",
  eval: "evaluate",
  eval_initial: "evaluate the initial student",
  eval_teacher: "evaluate the teacher",
};

/** What the step does, for its tooltip. */
export const STEP_HELP: Record<StepKind | BaselineKind, string> = {
  select: "The round's set from the seed pool: prompts with MFD above δ first, filled to the hard share α, resampled to the target ratios (round 1: resampled only).",
  answer: "The endpoint teacher answers every row of the set (a black-box teacher: the student learns its answers).",
  expand: "The teacher writes and answers new instructions for the task types the seed pool cannot fill to their target.",
  rewrite: "The teacher rewrites the set's answers in a style fitting their task type.",
  train: "The student learns the round's set.",
  score: "The round's student answers the seed pool and the judge grades its and the teacher's answers: MFD per prompt.",
  eval: "The round's student on the evaluation suites.",
  eval_initial: "The initial student on the evaluation suites (after round 1's train step names it): a reference line of the score chart.",
  eval_teacher: "The teacher on the evaluation suites: a reference line of the score chart.",
};

/** A pipeline still moving (a paused one's running step may yet finish): the page polls and follows it. */
export const pipelineActive = (status: PipelineStatus): boolean => status === "running" || status === "paused";

/**
 * The round the page opens: the one in the URL when the pipeline has it, else the round running now (or where it
 * stopped), else the first.
 */
export function openRound(detail: Pick<PipelineDetail, "rounds_detail" | "currentRound">, param: string | null): number {
  const rounds = detail.rounds_detail.map((r) => r.round);
  const asked = param != null && /^\d+$/.test(param) ? Number(param) : null;
  if (asked != null && rounds.includes(asked)) return asked;
  if (rounds.includes(detail.currentRound)) return detail.currentRound;
  return rounds[0] ?? 1;
}

/** The steps running a job now (a baseline's or a round's), whose events the page follows. */
export function runningSteps(detail: Pick<PipelineDetail, "baselines" | "rounds_detail">): (PipelineStep & { jobId: string })[] {
  const steps = [...detail.baselines, ...detail.rounds_detail.flatMap((r) => r.steps)];
  return steps.filter((s): s is PipelineStep & { jobId: string } => s.status === "running" && s.jobId != null);
}

/** A step's status in the job statuses the run page's stream understands (a step not started is a queued job). */
export function stepJobStatus(status: StepStatus): JobStatus {
  switch (status) {
    case "running":
    case "succeeded":
    case "failed":
    case "cancelled":
      return status;
    case "skipped":
      return "cancelled";
    case "pending":
      return "queued";
  }
}
