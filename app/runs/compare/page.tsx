import { Suspense } from "react";
import { CompareView } from "~/components/runs/compare/compare-view";

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ ids?: string }> }) {
  const { ids } = await searchParams;
  const list = (ids ?? "").split(",").filter(Boolean);
  return (
    <>
      <h1>Compare runs</h1>
      {/* The chart keeps its x axis and curves in the URL (useSearchParams). */}
      <Suspense fallback={<p className="muted">Loading runs…</p>}>
        <CompareView ids={list} />
      </Suspense>
    </>
  );
}
