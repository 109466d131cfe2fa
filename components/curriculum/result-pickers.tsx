"use client";

import type { RouterOutputs } from "~/components/trpc/types";
import { HAND_LABELS_ONLY } from "~/lib/planning/designer-state";

type Results = RouterOutputs["curriculum"]["results"];

const when = (ms: number | null) => (ms == null ? "—" : new Date(ms).toLocaleString());
const took = (start: number | null, end: number | null) => (start && end ? `${Math.round((end - start) / 1000)} s` : "—");
const describe = (ref: unknown) => {
  const r = ref as { source: string; num_layers?: number; path?: string };
  return r.source === "pruned" ? `teacher pruned to ${r.num_layers} layers` : r.path ?? r.source;
};

/** Every tag and score pass of the dataset; the user picks which ones the designer uses. */
export function ResultPickers(props: {
  results: Results;
  tag: string;
  score: string | null;
  onTag: (id: string) => void;
  onScore: (id: string | null) => void;
}) {
  const { results } = props;
  return (
    <div className="grid2">
      <div className="panel" data-testid="tag-results">
        <h3 style={{ marginTop: 0 }}>Task types from</h3>
        <label className="row small">
          <input type="radio" checked={props.tag === HAND_LABELS_ONLY} onChange={() => props.onTag(HAND_LABELS_ONLY)} />
          hand labels only ({results.handLabels} rows)
        </label>
        {results.tags.map((t) => (
          <label key={t.id} className="row small" data-testid="tag-result">
            <input type="radio" checked={props.tag === t.id} onChange={() => props.onTag(t.id)} />
            {t.tagger} · {t.rowCount} rows · {when(t.createdAt)} · took {took(t.startedAt, t.endedAt)}
          </label>
        ))}
        <p className="small muted">Hand labels ({results.handLabels}) win over the tagger everywhere.</p>
      </div>
      <div className="panel" data-testid="score-results">
        <h3 style={{ marginTop: 0 }}>Difficulty from</h3>
        <label className="row small">
          <input type="radio" checked={props.score == null} onChange={() => props.onScore(null)} />
          no difficulty
        </label>
        {results.scores.map((s) => (
          <label key={s.id} className="row small" data-testid="score-result">
            <input type="radio" checked={props.score === s.id} onChange={() => props.onScore(s.id)} />
            {s.scorer} · student {describe(s.models.student)} · {s.rowCount} rows · {when(s.createdAt)} · took {took(s.startedAt, s.endedAt)}
          </label>
        ))}
      </div>
    </div>
  );
}
