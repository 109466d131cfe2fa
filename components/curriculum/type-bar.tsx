import type { ReactNode } from "react";
import { seriesColor } from "~/lib/charts/palette";

/** The two colours of a type bar: what there is, and what the target asks for. */
const ACTUAL = seriesColor(0);
const TARGET = seriesColor(2);

/** The legend of a list of type bars, naming its two bars. */
export function TypeBarLegend({ actual, target, children }: { actual: ReactNode; target: ReactNode; children?: ReactNode }) {
  return (
    <p className="small row" style={{ gap: "1rem" }}>
      <span>
        <span className="swatch" style={{ background: ACTUAL }} /> {actual}
      </span>
      <span>
        <span className="swatch" style={{ background: TARGET }} /> {target}
      </span>
      {children}
    </p>
  );
}

/** The inside of one `.typeBar` row: the type, its actual and target bars on the list's scale (0 – max), the figures. */
export function TypeBarParts({ type, actual, target, max, figures }: { type: string; actual: number; target: number; max: number; figures: ReactNode }) {
  const pct = (v: number) => `${max > 0 ? (v / max) * 100 : 0}%`;
  return (
    <>
      <span className="typeBarLabel">{type}</span>
      <span className="typeBarBars">
        <span style={{ width: pct(actual), background: ACTUAL }} />
        <span style={{ width: pct(target), background: TARGET }} />
      </span>
      <span className="typeBarCount mono">{figures}</span>
    </>
  );
}
