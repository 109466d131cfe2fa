import { TypeBarLegend, TypeBarParts } from "~/components/curriculum/type-bar";
import type { TaskMixRow } from "~/lib/contracts/pipeline";

/**
 * A round's task mix against its target (budget × ratio per type, rounded to add up to the budget): seed rows
 * selected, of them hard, and rows the teacher added by expansion. Plain elements, the curriculum designer's type
 * bars: 32 labelled types read better as rows than as a Recharts axis. Largest target first, so rounds of one
 * pipeline line up.
 */
export function TaskMixChart({ mix }: { mix: readonly TaskMixRow[] }) {
  const rows = mix.map((r) => ({ ...r, rows: r.selected + (r.expanded ?? 0) })).sort((a, b) => b.target - a.target || b.rows - a.rows || a.type.localeCompare(b.type));
  if (rows.length === 0) return <p className="muted small">No task type has a target.</p>;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.rows, r.target)));
  return (
    <div data-testid="round-mix" data-types={rows.length}>
      <TypeBarLegend actual="rows in the round's set (seed + expanded)" target="target (budget × ratio)">
        <span className="muted">figures: seed (hard) + expanded / target</span>
      </TypeBarLegend>
      {rows.map((r) => (
        <div
          key={r.type}
          className="typeBar"
          data-testid="mix-row"
          data-type={r.type}
          title={`${r.type}: ${r.selected} seed rows (${r.hard} hard), ${r.expanded ?? `${r.toExpand} to expand`}${r.expanded != null ? " expanded" : ""}; target ${r.target}`}
        >
          <TypeBarParts
            type={r.type}
            actual={r.rows}
            target={r.target}
            max={max}
            figures={`${r.selected} (${r.hard})${r.expanded ? ` + ${r.expanded}` : ""} / ${r.target}`}
          />
        </div>
      ))}
    </div>
  );
}
