import { RunsTable } from "~/components/runs/list/runs-table";

export default function RunsPage() {
  return (
    <>
      <h1>Runs</h1>
      <RunsTable />
    </>
  );
}
