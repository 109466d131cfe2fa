import { guarded } from "~/server/http/request-guard";
import { saveUpload, UploadTooLarge } from "~/server/uploads/store";

export const dynamic = "force-dynamic";

/**
 * POST the raw file as the body (?name=original.json). Streams to disk; answers with the upload id. A request
 * the guard refuses (another site, a foreign Host, not application/octet-stream) stores nothing.
 */
export const POST = guarded(async (req: Request) => {
  const name = new URL(req.url).searchParams.get("name")?.trim();
  if (!name) return Response.json({ error: "the upload needs ?name=<original file name>" }, { status: 400 });
  if (!req.body) return Response.json({ error: `${name} is empty: the request had no body` }, { status: 400 });
  try {
    return Response.json(await saveUpload(req.body, name));
  } catch (e) {
    if (e instanceof UploadTooLarge) return Response.json({ error: `${name}: ${e.message}` }, { status: 413 });
    console.error("upload failed:", e);
    return Response.json({ error: `${name} could not be stored: ${(e as Error).message}` }, { status: 500 });
  }
});
