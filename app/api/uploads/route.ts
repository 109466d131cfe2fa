import { guarded } from "~/server/http/request-guard";
import { handleUpload } from "~/server/uploads/upload-route";

export const dynamic = "force-dynamic";

/** A request the guard refuses (another site, a foreign Host, not application/octet-stream) stores nothing. */
export const POST = guarded(handleUpload);
