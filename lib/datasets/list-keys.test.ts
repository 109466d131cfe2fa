import { describe, expect, it } from "vitest";
import { moveCursor } from "./list-keys";

describe("moveCursor", () => {
  it("moves by one with the arrows, starting at the first item, and stops at the ends", () => {
    expect(moveCursor("ArrowDown", null, 5, 10)).toBe(0);
    expect(moveCursor("ArrowUp", null, 5, 10)).toBe(0);
    expect(moveCursor("ArrowDown", 2, 5, 10)).toBe(3);
    expect(moveCursor("ArrowDown", 4, 5, 10)).toBe(4);
    expect(moveCursor("ArrowUp", 0, 5, 10)).toBe(0);
  });

  it("pages and jumps to the ends", () => {
    expect(moveCursor("PageDown", 1, 50, 8)).toBe(9);
    expect(moveCursor("PageUp", 5, 50, 8)).toBe(0);
    expect(moveCursor("PageDown", null, 50, 8)).toBe(7);
    expect(moveCursor("Home", 30, 50, 8)).toBe(0);
    expect(moveCursor("End", 3, 50, 8)).toBe(49);
  });

  it("leaves other keys and empty lists alone", () => {
    expect(moveCursor("Enter", 2, 5, 10)).toBeNull();
    expect(moveCursor("Escape", 2, 5, 10)).toBeNull();
    expect(moveCursor("ArrowDown", null, 0, 10)).toBeNull();
  });
});
