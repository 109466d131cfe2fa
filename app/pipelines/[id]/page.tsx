import { foundOr404 } from "~/app/found";
import { PipelineView } from "~/components/pipelines/pipeline-view";

export default async function PipelinePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await foundOr404((api) => api.pipelines.get({ id }));
  return <PipelineView id={id} />;
}
