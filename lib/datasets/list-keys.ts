/**
 * Where a key moves the cursor of a list of `count` items (the row browser's listbox): arrows by one, Page keys by
 * `page`, Home/End to the ends, clamped. Null for keys that do not move it (Enter, Escape, letters), so the caller
 * knows to let them through.
 */
export function moveCursor(key: string, cursor: number | null, count: number, page: number): number | null {
  if (count <= 0) return null;
  const at = cursor == null ? -1 : cursor;
  const to = (n: number) => Math.max(0, Math.min(count - 1, n));
  switch (key) {
    case "ArrowDown":
      return cursor == null ? 0 : to(at + 1);
    case "ArrowUp":
      return cursor == null ? 0 : to(at - 1);
    case "PageDown":
      return to(at + page);
    case "PageUp":
      return to(at - page);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
