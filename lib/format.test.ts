import { describe, expect, it } from "vitest";
import { formatRows } from "./format";

describe("formatRows", () => {
  it("says one row in the singular and groups the digits of large counts", () => {
    expect(formatRows(1)).toBe("1 row");
    expect(formatRows(0)).toBe("0 rows");
    expect(formatRows(52000)).toBe("52,000 rows");
  });
});
