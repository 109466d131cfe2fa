import { redirect } from "next/navigation";

/** No page lists every job; the runs list holds the train jobs, whose /jobs/<id> pages redirect to their runs. */
export default function JobsPage() {
  redirect("/runs");
}
