import { ProgressBar } from "~/components/progress-bar";
import { formatCount, formatEta } from "~/lib/format";
import type { LiveRun } from "~/lib/runs/live-run";

/** Steps done of the total, ETA and throughput from the latest progress and metric events. */
export function RunProgress({ run }: { run: LiveRun }) {
  const p = run.progress;
  const last = run.lastMetric;
  const fraction = p?.total ? p.current / p.total : null;
  const parts = [
    p ? `${formatCount(p.current)}${p.total ? ` / ${formatCount(p.total)}` : ""} ${p.unit}` : "waiting for the trainer…",
    p?.eta_s != null ? `ETA ${formatEta(p.eta_s)}` : null,
    last?.tokens_per_s != null ? `${formatCount(Math.round(last.tokens_per_s))} tokens/s` : null,
    last?.tokens_seen != null ? `${formatCount(last.tokens_seen)} tokens seen` : null,
    p?.message ?? null,
  ].filter(Boolean);
  return (
    <div className="panel" data-testid="run-progress">
      <ProgressBar fraction={run.final?.type === "done" ? 1 : fraction} label={parts.join(" · ")} />
    </div>
  );
}
