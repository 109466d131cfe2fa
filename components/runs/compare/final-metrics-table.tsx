import { formatCount, formatEta } from "~/lib/format";
import type { RouterOutputs } from "~/components/trpc/types";
import { formatLoss, formatRouge } from "~/lib/runs/format-eval";
import { StatusBadge } from "../status-badge";

type Compared = RouterOutputs["runs"]["compare"][number];

/** Where each run ended: last eval, throughput and wall time. */
export function FinalMetricsTable({ runs }: { runs: Compared[] }) {
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>Final metrics</h2>
      <table data-testid="final-metrics">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Steps</th>
            <th>Train loss</th>
            <th>Eval loss</th>
            <th>ROUGE-L</th>
            <th>Tokens/s</th>
            <th>Wall time</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td>{r.name}</td>
              <td>
                <StatusBadge status={r.status} queuePosition={r.queuePosition} />
              </td>
              <td>{r.final.steps ?? "—"}</td>
              <td>{formatLoss(r.final.loss)}</td>
              <td>{formatLoss(r.final.evalLoss)}</td>
              <td>{formatRouge(r.final.rougeL)}</td>
              <td>{r.final.tokensPerS == null ? "—" : formatCount(Math.round(r.final.tokensPerS))}</td>
              <td>{r.durationMs == null ? "—" : formatEta(r.durationMs / 1000)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
