import type { LiveRun } from "~/lib/runs/live-run";

/** The last log lines the trainer wrote, newest at the bottom. */
export function LogTail({ logs }: { logs: LiveRun["logs"] }) {
  return (
    <div className="panel">
      <h2 style={{ marginTop: 0 }}>Log</h2>
      <pre data-testid="log-tail" style={{ maxHeight: 240, overflow: "auto" }}>
        {logs.length === 0
          ? "No log lines yet."
          : logs.map((l) => `${new Date(l.time * 1000).toLocaleTimeString()} ${l.level.padEnd(7)} ${l.message}`).join("\n")}
      </pre>
    </div>
  );
}
