import { redirect } from "next/navigation";

/**
 * Only a dataset's own pages live under /datasets; the datasets are listed on the home page. This folder and
 * /curricula, /jobs and /docs redirect from a page, not from next.config.ts's redirects(), which answer before
 * proxy.ts's request guard.
 */
export default function DatasetsPage() {
  redirect("/");
}
