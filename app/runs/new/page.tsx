import { LaunchRunForm } from "~/components/runs/launch/launch-form";

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function NewRunPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  return (
    <>
      <h1>New distillation run</h1>
      <LaunchRunForm initial={{ f: first(params.f), dataset: first(params.dataset) }} />
    </>
  );
}
