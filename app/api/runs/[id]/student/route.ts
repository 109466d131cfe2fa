import { Readable } from "node:stream";
import { getDb } from "~/db/client";
import { Conflict } from "~/lib/errors";
import { errorResponse } from "~/server/http/error-response";
import { guarded } from "~/server/http/request-guard";
import { getRun } from "~/server/runs/run-queries";
import { studentArchive } from "~/server/runs/student-folder";
import { attachment } from "../../../datasets/download";

export const dynamic = "force-dynamic";

/** GET: the run's trained student (its Hugging Face folder) as one tar, streamed as it is built. */
export const GET = guarded(async (req: Request) => {
  const id = decodeURIComponent(new URL(req.url).pathname.split("/").at(-2) ?? "");
  try {
    const run = getRun(getDb(), id, new Map());
    if (!run.studentReady) throw new Conflict(`run "${run.name}" has no trained student yet (${run.status}): nothing to download`);
    const body = Readable.toWeb(studentArchive(run.studentPath, `${run.id}-student`)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        "Content-Type": "application/x-tar",
        "Content-Disposition": attachment(run.name, " student.tar"),
        "Cache-Control": "no-store",
      },
    });
  } catch (e) {
    return errorResponse(`GET /api/runs/${id}/student`, e);
  }
});
