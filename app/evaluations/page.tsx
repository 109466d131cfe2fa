import { Suspense } from "react";
import { EvaluationsView } from "~/components/evaluation/evaluations-view";

export default function EvaluationsPage() {
  return (
    <>
      <h1>Evaluations</h1>
      {/* The chosen model lives in the URL (useSearchParams). */}
      <Suspense fallback={<p className="muted">Loading evaluations…</p>}>
        <EvaluationsView />
      </Suspense>
    </>
  );
}
