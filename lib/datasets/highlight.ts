/** One piece of a search snippet: plain text, or text the full-text index matched. */
export type SnippetPart = { text: string; match: boolean };

/**
 * Splits a snippet whose matches are wrapped in `open`/`close` markers into parts, so the page renders every
 * piece as text (matches inside <mark>) and nothing from a row is ever parsed as HTML. An unclosed marker
 * highlights to the end; stray close markers are dropped.
 */
export function splitHighlights(snippet: string, open: string, close: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, match: boolean) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.match === match) last.text += text;
    else parts.push({ text, match });
  };
  let rest = snippet;
  while (rest.length > 0) {
    const start = rest.indexOf(open);
    if (start < 0) {
      push(rest.split(close).join(""), false);
      break;
    }
    push(rest.slice(0, start).split(close).join(""), false);
    rest = rest.slice(start + open.length);
    const end = rest.indexOf(close);
    push((end < 0 ? rest : rest.slice(0, end)).split(open).join(""), true);
    rest = end < 0 ? "" : rest.slice(end + close.length);
  }
  return parts;
}
