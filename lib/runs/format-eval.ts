/** ROUGE-L arrives as a fraction and is shown in points, as papers report it. */
export function formatRouge(rougeL: number | null | undefined): string {
  return rougeL == null ? "—" : (rougeL * 100).toFixed(2);
}

export function formatLoss(loss: number | null | undefined): string {
  return loss == null ? "—" : loss.toFixed(4);
}

/** "ROUGE-L 23.41 · loss 1.8342", or "—" before any evaluation. */
export function formatEval(evalLoss: number | null, rougeL: number | null): string {
  const parts = [rougeL != null ? `ROUGE-L ${formatRouge(rougeL)}` : null, evalLoss != null ? `loss ${formatLoss(evalLoss)}` : null];
  return parts.filter(Boolean).join(" · ") || "—";
}
