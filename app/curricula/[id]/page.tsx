import { CurriculumLaunch } from "~/components/curriculum/curriculum-launch";
import { foundOr404 } from "~/app/found";

export default async function SavedCurriculumPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await foundOr404((api) => api.curriculum.get({ id }));
  return <CurriculumLaunch id={id} />;
}
