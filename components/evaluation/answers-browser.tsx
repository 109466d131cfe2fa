"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { SUITE_INFO } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES, type EvalSuiteName } from "~/lib/contracts/job";
import type { Evaluation } from "./suite-tables";

const PAGE = 20;

const scoreText = (score: number | null, passed: boolean | null) => (passed != null ? (passed ? "passed" : "failed") : score == null ? "—" : score.toFixed(2));

/**
 * An evaluation's answers side by side with another model's answers to the same items (a teacher's, an initial
 * student's) and the reference, with the judge's explanation; filtered by suite, category and score.
 */
export function AnswersBrowser({ evaluation, others, label }: { evaluation: Evaluation; others: { id: string; label: string }[]; label: string }) {
  const trpc = useTRPC();
  const suites = EVAL_SUITES.filter((s) => evaluation.suites[s]);
  const [suite, setSuite] = useState<EvalSuiteName | null>(null);
  const [category, setCategory] = useState<string>("");
  const [minScore, setMinScore] = useState("");
  const [maxScore, setMaxScore] = useState("");
  const [passed, setPassed] = useState("");
  const [compareWith, setCompareWith] = useState<string>(others[0]?.id ?? "");
  const [offset, setOffset] = useState(0);
  const current = suite ?? suites[0] ?? null;
  const page = useQuery({
    ...trpc.evaluation.answers.queryOptions({
      evaluationId: evaluation.id,
      suite: current ?? "selfinst",
      category: category || null,
      minScore: minScore === "" ? null : Number(minScore),
      maxScore: maxScore === "" ? null : Number(maxScore),
      passed: passed === "" ? null : passed === "yes",
      compareWith: compareWith || null,
      offset,
      limit: PAGE,
    }),
    enabled: current !== null,
    placeholderData: keepPreviousData,
  });
  if (!current) return null;
  const otherLabel = others.find((o) => o.id === compareWith)?.label;
  const filter = (set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setOffset(0);
  };
  return (
    <div data-testid="answers-browser">
      <div className="row small">
        <label>
          Suite{" "}
          <select value={current} data-testid="answers-suite" onChange={filter((v) => { setSuite(v as EvalSuiteName); setCategory(""); })}>
            {suites.map((s) => (
              <option key={s} value={s}>
                {SUITE_INFO[s].label}
              </option>
            ))}
          </select>
        </label>
        {(page.data?.categories.length ?? 0) > 0 && (
          <label>
            Category{" "}
            <select value={category} data-testid="answers-category" onChange={filter(setCategory)}>
              <option value="">all</option>
              {page.data!.categories.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        )}
        {current === "ifeval" ? (
          <label>
            Verdict{" "}
            <select value={passed} data-testid="answers-passed" onChange={filter(setPassed)}>
              <option value="">all</option>
              <option value="yes">passed</option>
              <option value="no">failed</option>
            </select>
          </label>
        ) : (
          <>
            <label>
              Score from <input type="number" step="any" value={minScore} style={{ width: "5rem" }} data-testid="answers-min-score" onChange={filter(setMinScore)} />
            </label>
            <label>
              to <input type="number" step="any" value={maxScore} style={{ width: "5rem" }} data-testid="answers-max-score" onChange={filter(setMaxScore)} />
            </label>
          </>
        )}
        <label>
          Beside{" "}
          <select value={compareWith} data-testid="answers-compare" onChange={filter(setCompareWith)}>
            <option value="">no other model</option>
            {others.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {page.error && <p className="error">{page.error.message}</p>}
      {page.data && (
        <>
          <p className="small muted" data-testid="answers-count" data-fresh={!page.isPlaceholderData}>
            {page.data.total} answers{page.data.total > PAGE ? `, ${offset + 1}–${Math.min(offset + PAGE, page.data.total)} shown` : ""}
          </p>
          <table data-testid="answers-table">
            <thead>
              <tr>
                <th>Prompt</th>
                <th>{label}</th>
                {otherLabel && <th>{otherLabel}</th>}
                <th>Reference</th>
              </tr>
            </thead>
            <tbody>
              {page.data.answers.map((a) => (
                <tr key={a.id} data-testid="answer-row" style={{ verticalAlign: "top" }}>
                  <td style={{ maxWidth: "22rem" }}>
                    <div className="small muted">
                      {a.itemId}
                      {a.category ? ` · ${a.category}` : ""}
                      {a.turn > 1 ? ` · turn ${a.turn}` : ""}
                      {a.seed != null ? ` · seed ${a.seed}` : ""}
                    </div>
                    <div style={{ whiteSpace: "pre-wrap" }}>{a.prompt}</div>
                  </td>
                  <td style={{ maxWidth: "22rem" }}>
                    <div className="small">
                      <b data-testid="answer-score">{scoreText(a.score, a.passed)}</b>
                    </div>
                    <div style={{ whiteSpace: "pre-wrap" }}>{a.answer}</div>
                    {a.judgeExplanation && <details className="small"><summary>judge</summary><div style={{ whiteSpace: "pre-wrap" }}>{a.judgeExplanation}</div></details>}
                  </td>
                  {otherLabel && (
                    <td style={{ maxWidth: "22rem" }}>
                      {a.compared ? (
                        <>
                          <div className="small">
                            <b>{scoreText(a.compared.score, a.compared.passed)}</b>
                          </div>
                          <div style={{ whiteSpace: "pre-wrap" }}>{a.compared.answer}</div>
                          {a.compared.judgeExplanation && <details className="small"><summary>judge</summary><div style={{ whiteSpace: "pre-wrap" }}>{a.compared.judgeExplanation}</div></details>}
                        </>
                      ) : (
                        <span className="muted small">not evaluated on this item</span>
                      )}
                    </td>
                  )}
                  <td style={{ maxWidth: "22rem", whiteSpace: "pre-wrap" }}>{a.reference ?? <span className="muted small">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <button type="button" disabled={offset + PAGE >= page.data.total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}
