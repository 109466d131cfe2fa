import { Conflict } from "~/lib/errors";
import { exportJsonl, type ExportForm } from "~/server/datasets/export";
import { attachment, jsonlResponse, withDataset } from "../../download";

export const dynamic = "force-dynamic";

const FORMS: ExportForm[] = ["alpaca", "messages"];

/** GET ?form=alpaca|messages: the dataset as a streamed JSONL download named after the dataset. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const form = new URL(req.url).searchParams.get("form") ?? "alpaca";
  if (!FORMS.includes(form as ExportForm)) {
    return Response.json({ error: `?form must be "alpaca" or "messages", not "${form}"` }, { status: 400 });
  }
  return withDataset(req, id, (db, dataset) => {
    if (dataset.status !== "ready") throw new Conflict(`dataset "${dataset.name}" is ${dataset.status}, not ready: nothing to export yet`);
    return jsonlResponse(exportJsonl(db, id, form as ExportForm), attachment(dataset.name, `.${form}.jsonl`));
  });
}
