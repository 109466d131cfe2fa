import { redirect } from "next/navigation";
import { foundOr404 } from "~/app/found";
import { JobView } from "~/components/jobs/job-view";

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const job = await foundOr404((api) => api.jobs.get({ id }));
  // A train job's page is its run's, with the loss curve.
  if (job.kind === "train") redirect(`/runs/${encodeURIComponent(id)}`);
  return <JobView id={id} />;
}
