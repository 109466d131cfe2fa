"use client";

import type { ModelRef } from "~/lib/contracts/job";
import { TEACHER_LAYERS, type StudentChoice } from "~/lib/runs/form";
import { FinishedStudents } from "./finished-students";

const SOURCES = {
  embedded: "Embedded SmolLM2-135M-Instruct",
  dir: "Local model directory",
  gguf: "GGUF file",
  pruned: "Teacher pruned to N layers",
} as const;

function PathInput(props: { value: string; onChange: (path: string) => void; placeholder: string; testId: string; error?: string }) {
  return (
    <label>
      Path
      <input data-testid={props.testId} value={props.value} placeholder={props.placeholder} onChange={(e) => props.onChange(e.target.value)} />
      {props.error && <span className="small error">{props.error}</span>}
    </label>
  );
}

function refWithSource(source: keyof typeof SOURCES, previousPath: string): StudentChoice {
  if (source === "embedded") return { source };
  if (source === "pruned") return { source, num_layers: 6 };
  return { source, path: previousPath };
}

const ROLE_LABELS = { teacher: "Teacher", student: "Student", expert: "Domain expert", reference: "Reference model" } as const;

/**
 * A model of the run (teacher, student, or a DAE phase's domain expert or reference model): which source, and its
 * path or layer count. `errorKey` is where the form's errors name its path field (the role, by default).
 */
export function ModelFields<T extends ModelRef | StudentChoice>(props: {
  role: keyof typeof ROLE_LABELS;
  value: T;
  onChange: (value: T) => void;
  errors: Record<string, string>;
  errorKey?: string;
}) {
  const sources = props.role === "student" ? (["pruned", "embedded", "dir", "gguf"] as const) : (["embedded", "dir", "gguf"] as const);
  const v = props.value as StudentChoice;
  const path = "path" in v ? v.path : "";
  return (
    <div className="row" style={{ alignItems: "flex-start" }}>
      <label>
        {ROLE_LABELS[props.role]}
        <select
          data-testid={`${props.role}-source`}
          value={v.source}
          onChange={(e) => props.onChange(refWithSource(e.target.value as keyof typeof SOURCES, path) as T)}
        >
          {sources.map((s) => (
            <option key={s} value={s}>
              {SOURCES[s]}
            </option>
          ))}
        </select>
      </label>
      {(v.source === "dir" || v.source === "gguf") && (
        <PathInput
          testId={`${props.role}-path`}
          value={v.path}
          placeholder={v.source === "dir" ? "data/models/my-model" : "data/models/model.Q4_1.gguf"}
          onChange={(p) => props.onChange({ ...v, path: p } as T)}
          error={props.errors[`${props.errorKey ?? props.role}.path`]}
        />
      )}
      {v.source === "dir" && <FinishedStudents testId={`${props.role}-from-run`} path={v.path} onPick={(p) => props.onChange({ ...v, path: p } as T)} />}
      {v.source === "pruned" && (
        <label>
          Layers kept (of the teacher&apos;s {TEACHER_LAYERS} for SmolLM2)
          <input
            type="number"
            data-testid="student-layers"
            min={1}
            value={Number.isNaN(v.num_layers) ? "" : v.num_layers}
            onChange={(e) => props.onChange({ source: "pruned", num_layers: e.target.valueAsNumber } as T)}
          />
          {props.errors["student.num_layers"] && <span className="small error">{props.errors["student.num_layers"]}</span>}
        </label>
      )}
    </div>
  );
}
