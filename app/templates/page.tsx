import { Suspense } from "react";
import { TemplatesEditor } from "~/components/generation/templates-editor";

export default function TemplatesPage() {
  return (
    <>
      <h1>Templates</h1>
      <p className="muted">
        The prompts the generation jobs send a teacher, per task type: what an answer job asks, how an expand job asks for new instructions, and
        the style a rewrite job asks for (TAPIR:
        step-by-step reasoning for Math and Reasoning, commented code for Code Generation and Code Debug). Every edit is a new version; each
        generated row records the version it used.
      </p>
      <Suspense fallback={<p className="muted">Loading the templates…</p>}>
        <TemplatesEditor />
      </Suspense>
    </>
  );
}
