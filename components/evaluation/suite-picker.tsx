"use client";

import { useQuery } from "@tanstack/react-query";
import { EndpointOptions } from "~/components/endpoints/endpoint-options";
import { useTRPC } from "~/components/trpc/react";
import { SUITE_INFO, type EvalSettings } from "~/lib/contracts/evaluation-form";
import { EVAL_SUITES, type EvalSuiteName } from "~/lib/contracts/job";

/** The suites-and-how part of an evaluation: the evaluate forms and the launch form's "evaluate when the run ends". */
export type SuitePickerValue = Pick<EvalSettings, "suites" | "judgeEndpointId" | "seeds" | "greedy" | "maxNewTokens" | "judgeMaxTokens">;

export const DEFAULT_PICK: SuitePickerValue = { suites: [{ name: "selfinst", limit: 10 }, { name: "ifeval", limit: 10 }], judgeEndpointId: null, seeds: 5, greedy: false, maxNewTokens: 256, judgeMaxTokens: 512 };

/**
 * Checkboxes per suite with how many of its items to run (empty: all), SelfInst's seeds or greedy, and the judge
 * for MT-Bench and Vicuna-bench. A suite whose data the studio cannot find is shown disabled with the reason.
 */
export function SuitePicker({
  value,
  onChange,
  heldout = true,
}: {
  value: SuitePickerValue;
  onChange: (next: SuitePickerValue) => void;
  /** Whether the model has a run's held-out split. */
  heldout?: boolean;
}) {
  const trpc = useTRPC();
  const setup = useQuery(trpc.evaluation.setup.queryOptions());
  const chosen = new Map(value.suites.map((s) => [s.name, s.limit]));
  const set = (suites: Map<EvalSuiteName, number | null>) => onChange({ ...value, suites: EVAL_SUITES.filter((n) => suites.has(n)).map((name) => ({ name, limit: suites.get(name)! })) });
  const needsJudge = value.suites.some((s) => SUITE_INFO[s.name].judged);
  return (
    <fieldset data-testid="suite-picker" style={{ border: 0, padding: 0, margin: 0 }}>
      {setup.data && !setup.data.found && (
        <p className="error small" data-testid="datasets-missing">
          The evaluation datasets folder {setup.data.dir} does not exist: set DISTILL_EVAL_DATASETS to the folder that holds the suites&apos; files.
        </p>
      )}
      <div className="row" style={{ alignItems: "start" }}>
        {EVAL_SUITES.map((name) => {
          const info = SUITE_INFO[name];
          const missing = setup.data?.missing[name] ?? [];
          const off = (name === "heldout" && !heldout) || missing.length > 0;
          const why = missing.length ? `missing ${missing.join(", ")}` : name === "heldout" && !heldout ? "only a run's models have one" : null;
          return (
            <label key={name} className="small" title={why ?? undefined} style={{ display: "grid", gap: 4 }}>
              <span>
                <input
                  type="checkbox"
                  data-testid={`suite-${name}`}
                  disabled={off}
                  checked={chosen.has(name)}
                  onChange={(e) => {
                    const next = new Map(chosen);
                    if (e.target.checked) next.set(name, null);
                    else next.delete(name);
                    set(next);
                  }}
                />{" "}
                {info.label}
                {info.size ? <span className="muted"> ({info.size})</span> : null}
              </span>
              {chosen.has(name) && (
                <input
                  type="number"
                  min={1}
                  placeholder="all"
                  aria-label={`${info.label}: how many items`}
                  data-testid={`suite-limit-${name}`}
                  value={chosen.get(name) ?? ""}
                  style={{ width: "6rem" }}
                  onChange={(e) => set(new Map(chosen).set(name, e.target.value === "" ? null : Number(e.target.value)))}
                />
              )}
              {why && <span className="muted">{why}</span>}
              {chosen.has(name) && info.note && (
                <span className="muted" data-testid={`suite-note-${name}`} style={{ maxWidth: "24rem" }}>
                  {info.note}
                </span>
              )}
            </label>
          );
        })}
      </div>
      <div className="row small" style={{ marginTop: 8 }}>
        {chosen.has("selfinst") && (
          <>
            <label>
              SelfInst seeds{" "}
              <input type="number" min={1} max={20} value={value.seeds} disabled={value.greedy} style={{ width: "4rem" }} data-testid="eval-seeds" onChange={(e) => onChange({ ...value, seeds: Number(e.target.value) })} />
            </label>
            <label>
              <input type="checkbox" checked={value.greedy} data-testid="eval-greedy" onChange={(e) => onChange({ ...value, greedy: e.target.checked })} /> greedy (one pass) instead of sampling at temperature 1
            </label>
          </>
        )}
        <label>
          Max new tokens{" "}
          <input type="number" min={1} max={4096} value={value.maxNewTokens} style={{ width: "5rem" }} data-testid="eval-max-new-tokens" onChange={(e) => onChange({ ...value, maxNewTokens: Number(e.target.value) })} />
        </label>
        {needsJudge && (
          <label>
            Judge{" "}
            <select value={value.judgeEndpointId ?? ""} data-testid="eval-judge" onChange={(e) => onChange({ ...value, judgeEndpointId: e.target.value || null })}>
              <option value="">choose a judge endpoint</option>
              <EndpointOptions embeddedLabel="Embedded SmolLM2-135M-Instruct (a weak judge: for trying it out)" />
            </select>
          </label>
        )}
        {needsJudge && (
          <label>
            Judge max tokens{" "}
            <input type="number" min={1} max={4096} value={value.judgeMaxTokens} style={{ width: "5rem" }} data-testid="eval-judge-max-tokens" onChange={(e) => onChange({ ...value, judgeMaxTokens: Number(e.target.value) })} />
          </label>
        )}
      </div>
    </fieldset>
  );
}
