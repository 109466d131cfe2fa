import Link from "next/link";

/** What an unknown dataset, run or curriculum (or any unknown address) shows, with HTTP 404. */
export default function NotFoundPage() {
  return (
    <div className="panel" data-testid="not-found">
      <h1>Not found</h1>
      <p>There is nothing at this address: the dataset, run or curriculum it names does not exist, or was deleted.</p>
      <p className="row">
        <Link href="/" className="button" data-testid="back-to-datasets">
          Back to the datasets
        </Link>
        <Link href="/runs" className="button">
          Back to the runs
        </Link>
      </p>
    </div>
  );
}
