"use client";

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
