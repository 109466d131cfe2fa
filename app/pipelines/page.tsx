import Link from "next/link";
import { PipelinesTable } from "~/components/pipelines/pipelines-table";

export default function PipelinesPage() {
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Pipelines</h1>
        <Link className="button primary" href="/pipelines/new" data-testid="new-pipeline">
          New pipeline
        </Link>
      </div>
      <p className="small muted">
        TAPIR&apos;s rounds end to end: train the student, let a judge find what it still fails at, lean the next round&apos;s data harder, expand with the
        teacher, repeat (<Link href="/docs/methods">methods</Link>).
      </p>
      <PipelinesTable />
    </>
  );
}
