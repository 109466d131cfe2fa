"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "~/components/trpc/react";
import { missingJudge, type EvalTarget } from "~/lib/contracts/evaluation-form";
import { DEFAULT_PICK, SuitePicker, type SuitePickerValue } from "./suite-picker";

export type TargetOption = { key: string; label: string; target: EvalTarget; heldout: boolean };

/** Pick one of the offered models and the suites, and start an eval job on it. */
export function EvaluateForm({ targets, onStarted, children }: { targets: TargetOption[]; onStarted: (jobId: string) => void; children?: React.ReactNode }) {
  const trpc = useTRPC();
  const [key, setKey] = useState(targets[0]?.key ?? "");
  const [pick, setPick] = useState<SuitePickerValue>(DEFAULT_PICK);
  const start = useMutation(trpc.evaluation.start.mutationOptions({ onSuccess: ({ jobId }) => onStarted(jobId) }));
  const chosen = targets.find((t) => t.key === key) ?? targets[0];
  const judge = missingJudge(pick);
  return (
    <form
      data-testid="evaluate-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (chosen) start.mutate({ ...pick, suites: pick.suites.filter((s) => s.name !== "heldout" || chosen.heldout), target: chosen.target });
      }}
      style={{ display: "grid", gap: 8 }}
    >
      <label>
        Model{" "}
        <select value={chosen?.key ?? ""} onChange={(e) => setKey(e.target.value)} data-testid="evaluate-target">
          {targets.map((t) => (
            <option key={t.key} value={t.key}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {children}
      <SuitePicker value={pick} onChange={setPick} heldout={chosen?.heldout ?? false} />
      <div className="row">
        <button type="submit" className="primary" disabled={start.isPending || !chosen || pick.suites.length === 0 || judge !== null} data-testid="evaluate-start">
          {start.isPending ? "Starting…" : "Evaluate"}
        </button>
        {judge && <span className="small muted">{judge}</span>}
      </div>
      {start.error && (
        <p className="error" role="alert" data-testid="evaluate-error">
          {start.error.message}
        </p>
      )}
    </form>
  );
}
