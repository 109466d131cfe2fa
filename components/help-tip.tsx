"use client";

import { type ReactNode, useId, useState } from "react";
import { methodsSectionHref } from "~/lib/methods-docs";

/**
 * A term's short explanation in place: a small "?" button beside the term that shows the text and the section
 * of docs/methods.md it comes from. The text is the button's description (aria-describedby) even while
 * hidden, so screen readers announce it on focus; Escape closes it.
 */
export function HelpTip({ term, section, children }: { term: string; section: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="help-tip">
      <button
        type="button"
        className="help-tip-button"
        aria-label={`What is ${term}?`}
        aria-expanded={open}
        aria-controls={id}
        aria-describedby={id}
        onClick={(e) => {
          // Inside a <label>, a click would also reach the labelled input.
          e.preventDefault();
          setOpen((o) => !o);
        }}
        onKeyDown={(e) => e.key === "Escape" && setOpen(false)}
        data-testid={`help-${term}`}
      >
        ?
      </button>
      <span id={id} role="note" className="help-tip-text" hidden={!open} data-testid={`help-text-${term}`}>
        <b>{term}</b>: {children} <a href={methodsSectionHref(section)} target="_blank" rel="noreferrer">docs/methods.md, {section}</a>
      </span>
    </span>
  );
}
