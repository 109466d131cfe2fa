import { exportRejectedJsonl } from "~/server/datasets/export";
import { attachment, jsonlResponse, withDataset } from "../../download";

export const dynamic = "force-dynamic";

/** GET: the records the import rejected, one {line, reason, raw} per line, as a streamed download. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return withDataset(req, id, (db, dataset) => jsonlResponse(exportRejectedJsonl(db, id), attachment(dataset.name, ".rejected.jsonl")));
}
