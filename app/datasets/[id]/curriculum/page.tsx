import { CurriculumDesigner } from "~/components/curriculum/curriculum-designer";

export default async function CurriculumPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ s?: string }> }) {
  const { id } = await params;
  const { s } = await searchParams;
  return <CurriculumDesigner key={id} datasetId={id} initialState={s ?? null} />;
}
