import { useMemo } from "react";
import type { LiveRun } from "~/lib/runs/live-run";
import { formatLoss } from "~/lib/runs/format-eval";
import { bucketLossByStage, bucketsIn } from "~/lib/runs/bucket-loss";
import { lossByStage } from "~/lib/runs/stages";

/**
 * Mean training loss per stage, beside the stage's temperature, KD weight and samples, and, for a POCL run, the
 * mean loss of each bucket the stage trained on (a cumulative stage s trains on buckets 1..s).
 */
export function StageLossTable({ run, version }: { run: LiveRun; version: number }) {
  // run.metrics grows in place; version says when
  const rows = useMemo(() => lossByStage(run.metrics), [run, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const byBucket = useMemo(() => bucketLossByStage(run.metrics), [run, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const buckets = bucketsIn(byBucket);
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
                {buckets.map((b) => (
                  <th key={b} data-testid="bucket-loss-column">
                    Bucket {b} mean loss
                  </th>
                ))}
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
                    {buckets.map((b) => (
                      <td key={b} data-testid={`stage-bucket-loss-${b}`}>
                        {formatLoss(byBucket.get(r.stage)?.get(b) ?? null)}
                      </td>
                    ))}
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
