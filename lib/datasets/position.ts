import type { IngestFormat } from "~/lib/contracts/job";

/** How a format names a record's place in its file: JSONL by line, a JSON array by element, tables by row. */
export type PositionUnit = "line" | "element" | "row";

export const POSITION_UNIT: Record<IngestFormat, PositionUnit> = {
  alpaca_json: "element",
  alpaca_jsonl: "line",
  messages_jsonl: "line",
  csv: "row",
  parquet: "row",
};

/**
 * Where a row or rejected record was in the upload: "line 12", "row 5", or "element 228 (line 1137)" for a
 * JSON array, whose element number is not a line. `line` is null for rows imported before it was stored.
 */
export function describePosition(format: string, at: number, line: number | null): string {
  const unit = POSITION_UNIT[format as IngestFormat] ?? "record";
  // Plain numbers, as an editor's "go to line" takes them.
  return unit !== "line" && line != null ? `${unit} ${at} (line ${line})` : `${unit} ${at}`;
}
