/** A determinate bar when `fraction` is known; the label carries the numbers (ETA, rows, bytes). */
export function ProgressBar({ fraction, label }: { fraction: number | null; label?: string }) {
  const pct = fraction == null ? 0 : Math.max(0, Math.min(1, fraction)) * 100;
  return (
    <div role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
      <div className="progress">
        <div style={{ width: `${pct}%` }} />
      </div>
      {label && <div className="small muted" style={{ marginTop: 4 }}>{label}</div>}
    </div>
  );
}
