import { seriesColor } from "~/lib/charts/palette";
import { formatCount } from "~/lib/format";

/**
 * A round's set by where its rows came from (seed pool, expanded by the teacher, rewritten), as one stacked bar
 * with the counts, and the per-round budget it was filled towards.
 */
export function DataOriginBar({ parts, budget }: { parts: readonly { key: string; label: string; rows: number }[]; budget?: number | null }) {
  const total = parts.reduce((n, p) => n + p.rows, 0);
  const scale = Math.max(total, budget ?? 0);
  return (
    <div data-testid="round-origins" data-total={total}>
      <div style={{ display: "flex", height: 14, borderRadius: 3, overflow: "hidden", background: "var(--line)" }} aria-hidden>
        {parts.map((p, i) =>
          p.rows > 0 ? <span key={p.key} style={{ width: `${(p.rows / scale) * 100}%`, background: seriesColor(i) }} title={`${p.label}: ${p.rows}`} /> : null,
        )}
      </div>
      <p className="small row" style={{ gap: "1rem", marginTop: 4 }}>
        {parts.map((p, i) => (
          <span key={p.key} data-testid={`origin-${p.key}`}>
            <span className="swatch" style={{ background: seriesColor(i) }} /> {p.label} {formatCount(p.rows)}
          </span>
        ))}
        <span>
          <b>{formatCount(total)}</b> rows{budget != null && <span className="muted"> of a budget of {formatCount(budget)}</span>}
        </span>
      </p>
    </div>
  );
}
