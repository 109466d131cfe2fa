import { maxUploadBytes } from "~/server/uploads/store";

/** The upload route and the worker enforce the same file limit (DISTILL_MAX_UPLOAD_MB, default 2048). */
export { maxUploadBytes };

/** Longest single text field accepted, in bytes (DISTILL_MAX_FIELD_MB, default 1 MB); longer ones reject the row. */
export function maxFieldBytes(): number {
  return Number(process.env.DISTILL_MAX_FIELD_MB ?? 1) * 1024 * 1024;
}

/**
 * Longest single record (JSONL line, array element, CSV row) held in memory: 16 field limits, so a record with
 * one oversized field is still read and rejected with that field's name, while a file with no line breaks at
 * all cannot make the worker buffer the whole file.
 */
export function maxRecordBytes(): number {
  return 16 * maxFieldBytes();
}

/** Raw text kept for a rejected row. */
export const REJECT_RAW_CHARS = 2000;

export function formatMb(bytes: number): string {
  const mb = bytes / 1048576;
  return `${mb >= 10 ? Math.round(mb) : Number(mb.toFixed(1))} MB`;
}
