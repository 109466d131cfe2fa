import { internalErrorMessage } from "~/lib/errors";
import { MAX_FILE_NAME, saveUpload, tooLargeDeclared, UploadTooLarge } from "./store";

/** POST the raw file as the body (?name=original.json). Streams to disk; answers with the upload id. */
export async function handleUpload(req: Request): Promise<Response> {
  const name = new URL(req.url).searchParams.get("name")?.trim();
  if (!name) return Response.json({ error: "the upload needs ?name=<original file name>" }, { status: 400 });
  if (name.length > MAX_FILE_NAME) {
    return Response.json(
      { error: `the file name is ${name.length} characters long; at most ${MAX_FILE_NAME} are accepted: rename the file and upload it again` },
      { status: 400 },
    );
  }
  if (!req.body) return Response.json({ error: `${name} is empty: the request had no body` }, { status: 400 });
  const declared = tooLargeDeclared(req.headers.get("content-length"));
  if (declared) return Response.json({ error: `${name}: ${declared}` }, { status: 413 });
  try {
    return Response.json(await saveUpload(req.body, name));
  } catch (e) {
    if (e instanceof UploadTooLarge) return Response.json({ error: `${name}: ${e.message}` }, { status: 413 });
    // The client went away mid-upload: nothing was kept, and no one is there to read an answer.
    if ((e as NodeJS.ErrnoException).code === "ECONNRESET") return Response.json({ error: `${name}: the upload was interrupted` }, { status: 400 });
    return Response.json({ error: `${name} could not be stored: ${internalErrorMessage("upload", e)}` }, { status: 500 });
  }
}
