import { describe, expect, it } from "vitest";
import { describePosition } from "./position";

describe("where a record was in its upload", () => {
  it("names a JSON array's element and the line it starts on, not the element as a line", () => {
    expect(describePosition("alpaca_json", 228, 1137)).toBe("element 228 (line 1137)");
    expect(describePosition("alpaca_json", 3, null)).toBe("element 3");
  });

  it("names JSONL records by line and table records by row", () => {
    expect(describePosition("alpaca_jsonl", 12, null)).toBe("line 12");
    expect(describePosition("messages_jsonl", 1234, null)).toBe("line 1234");
    expect(describePosition("csv", 5, null)).toBe("row 5");
    expect(describePosition("parquet", 7, null)).toBe("row 7");
  });
});
