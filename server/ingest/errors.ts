import { BadRequest } from "~/lib/errors";

/** The file as a whole cannot be imported (not the format, truncated, binary, over a limit): nothing is kept. */
export class IngestFileError extends BadRequest {}

/** The import was cancelled (SIGTERM): nothing is kept. */
export class IngestCancelled extends Error {
  constructor() {
    super("the import was cancelled");
  }
}
