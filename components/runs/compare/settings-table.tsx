import { differingSettings } from "~/lib/runs/settings-diff";

const show = (v: unknown) => (v === undefined ? "—" : v === null ? "null" : String(v));

/** Only the settings that differ between the runs (job.json flattened, plus plan source and dataset). */
export function SettingsTable({ runs }: { runs: { id: string; name: string; settings: unknown }[] }) {
  const rows = differingSettings(
    runs.map((r) => r.settings),
    ["id", "created_at"],
  );
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>Settings that differ</h2>
      {rows.length === 0 ? (
        <p className="muted small">These runs share every setting.</p>
      ) : (
        <table data-testid="settings-diff">
          <thead>
            <tr>
              <th>Setting</th>
              {runs.map((r) => (
                <th key={r.id}>{r.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} data-testid={`diff-${row.key}`}>
                <td className="mono">{row.key}</td>
                {row.values.map((v, i) => (
                  <td key={runs[i]!.id} className="mono">
                    {show(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
