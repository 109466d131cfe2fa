import { Readable } from "node:stream";
import { getDb } from "~/db/client";
import { UserError } from "~/lib/errors";
import { guarded } from "~/server/http/request-guard";
import { getRun } from "~/server/runs/run-queries";
import { studentArchive } from "~/server/runs/student-folder";
import { attachment } from "../../../datasets/download";

export const dynamic = "force-dynamic";

const STATUS = { NOT_FOUND: 404, CONFLICT: 409 } as Record<string, number>;

/** GET: the run's trained student (its Hugging Face folder) as one tar, streamed as it is built. */
export const GET = guarded(async (req: Request) => {
  const id = decodeURIComponent(new URL(req.url).pathname.split("/").at(-2) ?? "");
  let run;
  try {
    run = getRun(getDb(), id, new Map());
  } catch (e) {
    if (e instanceof UserError) return Response.json({ error: e.message }, { status: STATUS[e.code] ?? 400 });
    throw e;
  }
  if (!run.studentReady) {
    return Response.json({ error: `run "${run.name}" has no trained student yet (${run.status}): nothing to download` }, { status: 409 });
  }
  const body = Readable.toWeb(studentArchive(run.studentPath, `${run.id}-student`)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-tar",
      "Content-Disposition": attachment(run.name, " student.tar"),
      "Cache-Control": "no-store",
    },
  });
});
