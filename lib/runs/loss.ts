import { z } from "zod";
import { lossName, type LossSpec } from "~/lib/contracts/job";

/**
 * A divergence as the launch forms hold it (the KD loss, and the DAE phase's): its name, JSD's mixing β and the
 * skew λ of skl/srkl. `owner` names it in the messages ("the loss", "the DAE loss").
 */
export function lossChoice(owner: string) {
  const share = (symbol: string, what: string) =>
    z
      .number({ error: `${owner}'s ${symbol} (${what}) must be a number` })
      .min(0, `${owner}'s ${symbol} (${what}) must be between 0 and 1`)
      .max(1, `${owner}'s ${symbol} (${what}) must be between 0 and 1`)
      .default(0.1);
  return z.object({ name: lossName.default("fkl"), beta: share("β", "the JSD mix"), skew: share("λ", "the skew") });
}
export type LossChoice = z.infer<ReturnType<typeof lossChoice>>;

/** job.json's loss block for a form's choice. */
export function lossSpecOf(choice: LossChoice): LossSpec {
  return { name: choice.name, beta: choice.beta, skew: choice.skew, chunk_size: 128 };
}
