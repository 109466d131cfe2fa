import { useMemo } from "react";
import type { LiveRun } from "~/lib/runs/live-run";
import { formatLoss } from "~/lib/runs/format-eval";
import { lossByStage } from "~/lib/runs/stages";

/**
 * Mean training loss per stage, beside the stage's temperature, KD weight and samples. In a one-bucket-per-stage
 * schedule each stage is one bucket, so this is the per-bucket loss too.
 */
export function StageLossTable({ run, version }: { run: LiveRun; version: number }) {
  // run.metrics grows in place; version says when
  const rows = useMemo(() => lossByStage(run.metrics), [run, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const info = new Map(run.stages.map((s) => [s.stage, s]));
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>Training loss by stage</h2>
      {rows.length === 0 ? (
        <p className="muted small">No training step yet.</p>
      ) : (
        <div className="scroll-x">
          <table data-testid="stage-loss-table">
            <thead>
              <tr>
                <th>Stage</th>
                <th>Samples</th>
                <th>T</th>
                <th>KD weight</th>
                <th>Updates</th>
                <th>Mean loss</th>
                <th>Mean KD loss</th>
                <th>Mean CE loss</th>
                <th>Last loss</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const s = info.get(r.stage);
                return (
                  <tr key={r.stage} data-testid="stage-loss-row">
                    <td>{s ? `${r.stage} / ${s.num_stages}` : r.stage}</td>
                    <td>{s?.num_samples ?? "—"}</td>
                    <td>{s?.temperature ?? "—"}</td>
                    <td>{s?.kd_weight ?? "—"}</td>
                    <td>{r.updates}</td>
                    <td>{formatLoss(r.meanLoss)}</td>
                    <td>{formatLoss(r.meanKd)}</td>
                    <td>{formatLoss(r.meanCe)}</td>
                    <td>{formatLoss(r.lastLoss)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
