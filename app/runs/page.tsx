import { Suspense } from "react";
import { RunsTable } from "~/components/runs/list/runs-table";

export default function RunsPage() {
  return (
    <>
      <h1>Runs</h1>
      {/* The filters live in the URL (useSearchParams), which a static page reads only under Suspense. */}
      <Suspense fallback={<p className="muted">Loading runs…</p>}>
        <RunsTable />
      </Suspense>
    </>
  );
}
