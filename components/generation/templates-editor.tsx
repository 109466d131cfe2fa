"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { useSearchParam } from "~/components/use-search-param";
import { TEMPLATE_KINDS, TEMPLATE_PLACEHOLDERS, type TemplateKind } from "~/lib/contracts/generation";

const KIND_LABELS: Record<TemplateKind, string> = { answer: "Answer", expand: "Expand", rewrite: "Rewrite" };

/** What each placeholder is filled with, per kind (docs/generation.md). */
const PLACEHOLDER_HELP: Record<TemplateKind, Record<string, string>> = {
  answer: { prompt: "the user's turn" },
  expand: { task_type: "the task type the new instructions are of", examples: "in-context instructions of that type, numbered", count: "how many new instructions to write" },
  rewrite: { instruction: "the user turn the answer answers", answer: "the answer to rewrite", task_type: "the row's task type (\"unknown\" without one)" },
};

/** What the page says of how a kind's job uses its templates, beyond the row's task type picking one. */
const KIND_NOTES: Partial<Record<TemplateKind, string>> = {
  expand: "An expand job asks for each task type's new instructions with that type's template (else the default), and answers them with the answer template of their type.",
};

/** Whether an action that replaces the editor's text may go ahead: at once without unsaved edits, else once the user agrees. */
const mayDiscard = (unsaved: boolean, action: string) => !unsaved || window.confirm(`${action} discards your unsaved edits to this template. Go on?`);

/**
 * The generation jobs' prompt templates: for the chosen kind, the kind-wide default and each task type's
 * current template (or that it takes the default), and an editor for one of them with its version history.
 * Saving makes a new version; jobs started afterwards use it, and the rows they make record it.
 */
export function TemplatesEditor() {
  const trpc = useTRPC();
  const [kindParam, setKind] = useSearchParam("kind");
  const kind: TemplateKind = (TEMPLATE_KINDS as readonly string[]).includes(kindParam ?? "") ? (kindParam as TemplateKind) : "rewrite";
  const [typeParam, setType] = useSearchParam("type");
  const templates = useQuery(trpc.generation.templates.queryOptions({ kind }));
  // "default" in the URL is the kind-wide template (null in the API).
  const selected = templates.data?.find((t) => (t.taskType ?? "default") === typeParam) ?? null;
  // The editor's draft lives only in the page: another kind or row unmounts it, a reload or a link away drops it.
  const [unsaved, setUnsaved] = useState(false);
  useEffect(() => {
    if (!unsaved) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [unsaved]);
  const open = (action: string, go: () => void) => {
    if (!mayDiscard(unsaved, action)) return;
    setUnsaved(false);
    go();
  };

  return (
    <>
      <div className="row" role="tablist" aria-label="Job kind" style={{ gap: "0.5rem", marginBottom: "1rem" }}>
        {TEMPLATE_KINDS.map((k) => (
          <button key={k} role="tab" aria-selected={k === kind} className={k === kind ? "primary" : undefined} onClick={() => k !== kind && open(`Opening the ${KIND_LABELS[k]} templates`, () => { setKind(k); setType(null); })} data-testid={`templates-kind-${k}`}>
            {KIND_LABELS[k]}
          </button>
        ))}
      </div>
      <p className="small muted">
        Placeholders a {kind} template may use:{" "}
        {TEMPLATE_PLACEHOLDERS[kind].map((p, i) => (
          <span key={p}>
            {i > 0 && ", "}
            <code>{`{${p}}`}</code> ({PLACEHOLDER_HELP[kind][p]})
          </span>
        ))}
        . Any other brace is literal text.
        {KIND_NOTES[kind] && ` ${KIND_NOTES[kind]}`}
      </p>
      {templates.error && <p className="error" role="alert">{templates.error.message}</p>}
      <div style={{ display: "grid", gridTemplateColumns: selected ? "minmax(0, 1fr) minmax(0, 1.4fr)" : "minmax(0, 1fr)", gap: "1rem", alignItems: "start" }}>
        <table data-testid="templates-table">
          <thead>
            <tr>
              <th>Task type</th>
              <th>Template</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {templates.data?.map((t) => {
              const key = t.taskType ?? "default";
              return (
                <tr key={key} data-testid={`template-row-${key}`} aria-current={selected?.taskType === t.taskType ? "true" : undefined}>
                  <td>{t.taskType ?? <b>Default (every type without its own)</b>}</td>
                  <td className="small">
                    {t.inherited ? (
                      <span className="muted">the default</span>
                    ) : (
                      <>
                        {t.name} <span data-testid="template-version">v{t.version}</span>
                      </>
                    )}
                  </td>
                  <td>
                    <button onClick={() => key !== typeParam && open(`Opening ${t.taskType ?? "the default"}`, () => setType(key))} data-testid={`template-edit-${key}`}>
                      Edit
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {selected && <TemplateEditor key={`${kind}/${selected.taskType}`} kind={kind} taskType={selected.taskType} inherited={selected.inherited} text={selected.text} onUnsaved={setUnsaved} />}
      </div>
    </>
  );
}

function TemplateEditor(props: { kind: TemplateKind; taskType: string | null; inherited: boolean; text: string; onUnsaved: (unsaved: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scope = { kind: props.kind, taskType: props.taskType };
  const history = useQuery(trpc.generation.templateHistory.queryOptions(scope));
  const [draft, setDraft] = useState(props.text);
  useEffect(() => setDraft(props.text), [props.text]);
  const unsaved = draft !== props.text;
  const { onUnsaved } = props;
  useEffect(() => onUnsaved(unsaved), [unsaved, onUnsaved]);
  const [viewing, setViewing] = useState<number | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.generation.templates.queryKey({ kind: props.kind }) }),
      queryClient.invalidateQueries({ queryKey: trpc.generation.templateHistory.queryKey(scope) }),
    ]);
  const save = useMutation(trpc.generation.saveTemplate.mutationOptions({ onSuccess: refresh }));
  const reset = useMutation(trpc.generation.resetTemplate.mutationOptions({ onSuccess: refresh }));
  const current = history.data?.[0];
  const shown = history.data?.find((v) => v.version === viewing);
  const error = save.error ?? reset.error;

  return (
    <section className="panel" aria-label="Edit the template" data-testid="template-editor" style={{ marginBottom: 0 }}>
      <h2 style={{ marginTop: 0 }}>
        {KIND_LABELS[props.kind]}: {props.taskType ?? "default"}
      </h2>
      <p className="small muted" data-testid="template-current">
        {props.inherited || !current
          ? "This task type takes the default template; saving gives it a template of its own (version 1)."
          : `Current: ${current.name} version ${current.version}. Saving makes version ${current.version + 1}; rows made earlier keep the version they used.`}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ ...scope, text: draft });
        }}
      >
        <textarea aria-label="Template text" value={draft} onChange={(e) => setDraft(e.target.value)} rows={14} style={{ width: "100%", fontFamily: "monospace" }} data-testid="template-text" />
        <div className="row" style={{ gap: "0.5rem", marginTop: "0.5rem" }}>
          <button type="submit" className="primary" disabled={save.isPending || !unsaved} data-testid="template-save">
            {save.isPending ? "Saving…" : "Save as a new version"}
          </button>
          <button type="button" onClick={() => mayDiscard(unsaved, "Resetting to the default") && reset.mutate(scope)} disabled={reset.isPending} data-testid="template-reset">
            Reset to default
          </button>
        </div>
      </form>
      {error && <p className="error" role="alert">{error.message}</p>}
      <h3>Versions</h3>
      <ol reversed className="small" data-testid="template-history">
        {history.data?.map((v) => (
          <li key={v.version}>
            <button className="linkish" onClick={() => setViewing(viewing === v.version ? null : v.version)}>
              {v.name} v{v.version}
            </button>{" "}
            <span className="muted">{v.createdAt === null ? "built in" : new Date(v.createdAt).toLocaleString()}</span>
          </li>
        ))}
      </ol>
      {shown && (
        <div data-testid="template-old-version">
          <pre style={{ whiteSpace: "pre-wrap" }}>{shown.text}</pre>
          <button onClick={() => mayDiscard(unsaved, "Editing from this version") && setDraft(shown.text)}>Edit from this version</button>
        </div>
      )}
    </section>
  );
}
