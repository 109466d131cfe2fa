import { readFileSync } from "node:fs";
import { join } from "node:path";
import { methodsSections } from "~/lib/methods-docs";

export const metadata = { title: "Methods · Distill Studio" };

/** docs/methods.md, section by section with anchors, so the designer's help texts can link to the section they cite. */
export default function MethodsPage() {
  const sections = methodsSections(readFileSync(join(process.cwd(), "docs", "methods.md"), "utf8"));
  return (
    <article data-testid="methods-doc">
      {sections.map((s, i) => (
        <section key={s.id} id={s.id}>
          {i === 0 ? <h1>{s.title}</h1> : <h2>{s.title}</h2>}
          <div className="small" style={{ whiteSpace: "pre-wrap", maxWidth: "80ch" }}>{s.body}</div>
        </section>
      ))}
    </article>
  );
}
