import type { SnippetPart } from "~/lib/datasets/highlight";

/** A search snippet rendered as text, with the matched words in <mark>. */
export function SnippetText({ parts }: { parts: SnippetPart[] }) {
  return (
    <>
      {parts.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </>
  );
}
