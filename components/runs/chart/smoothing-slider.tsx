"use client";

import { useEffect, useState } from "react";
import { useSettledValue } from "~/components/use-settled-value";
import { useSearchParam } from "~/components/use-search-param";

const DEFAULT_SMOOTHING = 0.6;
/** How long the slider must rest before the URL follows: Next re-renders the router on every history write. */
const URL_SETTLE_MS = 150;

/**
 * A chart's smoothing, kept in the URL query under `name` (absent at the default), so a reload or a shared link
 * shows the curves as smoothed as they were.
 */
export function useSmoothing(name: string): [number, (v: number) => void] {
  const [param, setParam] = useSearchParam(name);
  const [smoothing, setSmoothing] = useState(() => {
    const v = param === null ? Number.NaN : Number(param);
    return Number.isFinite(v) && v >= 0 && v <= 0.99 ? v : DEFAULT_SMOOTHING;
  });
  const settled = useSettledValue(smoothing, URL_SETTLE_MS);
  useEffect(() => {
    const next = settled === DEFAULT_SMOOTHING ? null : String(settled);
    // Only a change is written: rewriting the URL on every page load would re-encode the rest of the query.
    if (next !== param) setParam(next);
  }, [settled, param, setParam]);
  return [smoothing, setSmoothing];
}

/** EMA weight for loss curves: 0 raw, 0.99 very smooth. */
export function SmoothingSlider({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label style={{ flexDirection: "row", alignItems: "center", gap: "0.5rem" }}>
      Smoothing
      <input type="range" min={0} max={0.99} step={0.01} value={value} data-testid="smoothing" onChange={(e) => onChange(e.target.valueAsNumber)} />
      <span className="mono">{value.toFixed(2)}</span>
    </label>
  );
}
