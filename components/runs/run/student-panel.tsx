"use client";

/** Where the trained student is, and a download of its folder as one tar. */
export function StudentPanel(props: { id: string; path: string; ready: boolean; status: string }) {
  return (
    <div className="panel" data-testid="student-panel">
      <h2 style={{ marginTop: 0 }}>Trained student</h2>
      {props.ready ? (
        <div className="row">
          <code data-testid="student-path">{props.path}</code>
          <a className="button" data-testid="student-download" href={`/api/runs/${encodeURIComponent(props.id)}/student`} download>
            Download (.tar)
          </a>
        </div>
      ) : (
        <p className="small muted">
          {props.status === "succeeded" ? `The student folder ${props.path} is gone.` : `Saved to ${props.path} when the run succeeds.`}
        </p>
      )}
    </div>
  );
}
