import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitHighlights } from "./highlight";

const OPEN = "\u0002";
const CLOSE = "\u0003";

describe("splitHighlights", () => {
  it("marks the text between markers and keeps markup as plain text", () => {
    expect(splitHighlights(`a <b>${OPEN}crepes${CLOSE}</b> and ${OPEN}milk${CLOSE}`, OPEN, CLOSE)).toEqual([
      { text: "a <b>", match: false },
      { text: "crepes", match: true },
      { text: "</b> and ", match: false },
      { text: "milk", match: true },
    ]);
  });

  it("highlights to the end when a marker is left open and drops stray closers", () => {
    expect(splitHighlights(`x${CLOSE}y ${OPEN}tail`, OPEN, CLOSE)).toEqual([
      { text: "xy ", match: false },
      { text: "tail", match: true },
    ]);
  });

  it("never loses or invents text", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant(OPEN), fc.constant(CLOSE))), (pieces) => {
        const snippet = pieces.join("");
        const plain = snippet.split(OPEN).join("").split(CLOSE).join("");
        const parts = splitHighlights(snippet, OPEN, CLOSE);
        expect(parts.map((p) => p.text).join("")).toBe(plain);
        expect(parts.every((p) => p.text.length > 0)).toBe(true);
      }),
    );
  });
});
