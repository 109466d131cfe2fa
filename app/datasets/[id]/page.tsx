import { Suspense } from "react";
import { DatasetView } from "~/components/datasets/dataset-view";
import { foundOr404 } from "~/app/found";

export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await foundOr404((api) => api.datasets.get({ id }));
  return (
    <Suspense fallback={<p className="muted">Loading the dataset…</p>}>
      <p>
        <a className="button" href={`/datasets/${encodeURIComponent(id)}/curriculum`} data-testid="open-curriculum">
          Analyse &amp; curriculum
        </a>{" "}
        <a className="button" href={`/pipelines/new?dataset=${encodeURIComponent(id)}`} data-testid="open-pipeline">
          TAPIR pipeline…
        </a>
      </p>
      <DatasetView datasetId={id} />
    </Suspense>
  );
}
