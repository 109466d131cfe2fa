import { CurriculumDesigner } from "~/components/curriculum/curriculum-designer";
import { foundOr404 } from "~/app/found";

export default async function CurriculumPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ s?: string }> }) {
  const { id } = await params;
  const { s } = await searchParams;
  await foundOr404((api) => api.datasets.get({ id }));
  return <CurriculumDesigner key={id} datasetId={id} initialState={s ?? null} />;
}
