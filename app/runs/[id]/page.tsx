import { RunView } from "~/components/runs/run/run-view";
import { foundOr404 } from "~/app/found";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await foundOr404((api) => api.runs.get({ id }));
  return <RunView id={id} />;
}
