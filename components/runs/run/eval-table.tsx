import type { LiveRun } from "~/lib/runs/live-run";
import { formatLoss, formatRouge } from "~/lib/runs/format-eval";


/** Every evaluation so far: held-out loss and ROUGE-L of generated answers. */
export function EvalTable({ evals }: { evals: LiveRun["evals"] }) {
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>Evaluations</h2>
      {evals.length === 0 ? (
        <p className="muted small">No evaluation yet.</p>
      ) : (
        <table data-testid="eval-table">
          <thead>
            <tr>
              <th>Step</th>
              <th>Stage</th>
              <th>Eval loss</th>
              <th>ROUGE-L</th>
              <th>Prompts</th>
            </tr>
          </thead>
          <tbody>
            {evals.map((e) => (
              <tr key={e.seq}>
                <td>{e.step}</td>
                <td>{e.stage ?? "—"}</td>
                <td>{formatLoss(e.eval_loss)}</td>
                <td>{formatRouge(e.rouge_l)}</td>
                <td>{e.num_samples ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
