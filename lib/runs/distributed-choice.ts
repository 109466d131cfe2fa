import { z } from "zod";
import { distributedSpec, type DistributedSpec } from "~/lib/contracts/job";

/** The launch form's "several GPUs" part (job.distributed; docs/distributed.md). */
export const distributedChoice = z.object({
  strategy: distributedSpec.shape.strategy,
  /** GPUs (processes) on the studio's machine; more than 1 starts the trainer under torchrun. */
  gpus: z.number().int().min(1).max(256).default(1),
  /** The GPUs chosen by index; empty: any `gpus` free ones. */
  gpuIds: z.array(z.number().int().min(0)).max(256).default([]),
  /** FSDP: the teacher sharded like the student, or whole on every GPU. */
  teacher: distributedSpec.shape.teacher,
});
export type DistributedChoice = z.infer<typeof distributedChoice>;

/** Cross-field problems: [path under the choice, message]. */
export function distributedIssues(choice: DistributedChoice, device: string): [string, string][] {
  const issues: [string, string][] = [];
  if (choice.gpus > 1 && device === "cpu") issues.push(["gpus", "several GPUs need the device auto or CUDA, not CPU"]);
  if (choice.gpuIds.length > 0 && choice.gpuIds.length !== choice.gpus) {
    issues.push(["gpuIds", `${choice.gpuIds.length} GPU(s) chosen for a run on ${choice.gpus}: choose as many as it runs on, or none`]);
  }
  const twice = choice.gpuIds.find((id, i) => choice.gpuIds.indexOf(id) !== i);
  if (twice !== undefined) issues.push(["gpuIds", `GPU ${twice} is chosen twice: choose each GPU once`]);
  return issues;
}

export function distributedSpecOf(choice: DistributedChoice): DistributedSpec {
  return {
    strategy: choice.strategy,
    teacher: choice.teacher,
    mixed_precision: true,
    gpus: choice.gpus,
    ...(choice.gpuIds.length > 0 ? { gpu_ids: choice.gpuIds } : {}),
  };
}
