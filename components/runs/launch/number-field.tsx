"use client";

import { useEffect, useState } from "react";

/**
 * A labelled number input that keeps what is typed (so "1e-" or "0." survive while editing) and reports
 * NaN for text that is not a number yet, which the form schema then rejects with a message. A field that may be
 * left empty (`onEmpty`) reports emptying it there instead.
 */
export function NumberField(props: {
  label: string;
  value: number | null;
  onChange: (value: number) => void;
  onEmpty?: () => void;
  error?: string;
  step?: string;
  hint?: string;
  testId?: string;
}) {
  const [text, setText] = useState(props.value == null ? "" : String(props.value));
  useEffect(() => {
    if (props.value != null && Number(text) !== props.value) setText(String(props.value));
    // only an outside change (a clone, a reset) rewrites the text
  }, [props.value]);
  return (
    <label>
      {props.label}
      <input
        inputMode="decimal"
        data-testid={props.testId}
        value={text}
        step={props.step}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === "") {
            if (props.onEmpty) props.onEmpty();
            else props.onChange(Number.NaN);
          } else props.onChange(Number(e.target.value));
        }}
      />
      {props.hint && <span className="small muted">{props.hint}</span>}
      {props.error && <span className="small error">{props.error}</span>}
    </label>
  );
}
