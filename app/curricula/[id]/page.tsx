import { CurriculumLaunch } from "~/components/curriculum/curriculum-launch";

export default async function SavedCurriculumPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <CurriculumLaunch id={id} />;
}
