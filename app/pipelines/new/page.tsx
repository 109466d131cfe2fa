import { PipelineForm } from "~/components/pipelines/pipeline-form";

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function NewPipelinePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  return (
    <>
      <h1>New pipeline</h1>
      <p className="small muted">
        Each round trains the student on its set, has it answer the seed pool, lets the judge grade its answers against the teacher&apos;s (MFD), and
        builds the next round&apos;s set from the prompts it still fails at, filled by the teacher&apos;s expansions to the budget (TAPIR §1, §3, §6).
      </p>
      <PipelineForm seedDatasetId={first(params.dataset)} />
    </>
  );
}
