import { CurriculumDiff } from "~/components/runs/compare/curriculum-diff";

export default async function CurriculumDiffPage({ searchParams }: { searchParams: Promise<{ ids?: string }> }) {
  const { ids } = await searchParams;
  return (
    <>
      <h1>Curricula that differ</h1>
      <CurriculumDiff ids={(ids ?? "").split(",").filter(Boolean)} />
    </>
  );
}
