import { TypeBarLegend, TypeBarParts } from "~/components/curriculum/type-bar";
import { formatShare, mixAgainstTarget } from "~/lib/pipelines/round-charts";

/**
 * A round's task mix (its set's rows per type) against the pipeline's target ratios, both as shares on one scale.
 * Plain elements, the curriculum designer's type bars: 32 labelled types read better as rows than as a Recharts axis.
 */
export function TaskMixChart({ counts, ratios }: { counts: Readonly<Record<string, number>>; ratios: Readonly<Record<string, number>> }) {
  const rows = mixAgainstTarget(counts, ratios);
  if (rows.length === 0) return <p className="muted small">No task types yet.</p>;
  const max = Math.max(...rows.map((r) => Math.max(r.share, r.target)));
  return (
    <div data-testid="round-mix" data-types={rows.length}>
      <TypeBarLegend actual="share of the round's rows" target="target ratio" />
      {rows.map((r) => (
        <div key={r.type} className="typeBar" data-testid="mix-row" data-type={r.type} title={`${r.type}: ${r.rows} rows, ${formatShare(r.share)} of the set; target ${formatShare(r.target)}`}>
          <TypeBarParts type={r.type} actual={r.share} target={r.target} max={max} figures={`${formatShare(r.share)} / ${formatShare(r.target)}`} />
        </div>
      ))}
    </div>
  );
}
