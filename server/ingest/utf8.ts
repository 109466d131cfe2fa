import { isUtf8 } from "node:buffer";

/** Byte offset of the first byte that breaks UTF-8 in `buf`, or -1 when it is valid throughout. */
export function invalidUtf8Offset(buf: Buffer): number {
  if (isUtf8(buf)) return -1;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= buf.length || (buf[i + k] & 0xc0) !== 0x80) return i;
    }
    // Overlongs and surrogates pass the loop above; isUtf8 rejected something, so check those too.
    const c = buf[i + 1];
    if ((b === 0xe0 && c < 0xa0) || (b === 0xed && c > 0x9f) || (b === 0xf0 && c < 0x90) || (b === 0xf4 && c > 0x8f)) return i;
    i += need + 1;
  }
  return buf.length;
}

/** Length of the longest prefix of `buf` that does not end inside a multi-byte character. */
export function completeUtf8Prefix(buf: Buffer): number {
  let i = buf.length;
  // Step back over at most three continuation bytes to the lead byte of the last character.
  for (let back = 0; back < 4 && i > 0; back++) {
    const b = buf[i - 1];
    if ((b & 0xc0) !== 0x80) {
      const size = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return size > back + 1 ? i - 1 : buf.length;
    }
    i--;
  }
  return buf.length;
}

const BOM = [0xef, 0xbb, 0xbf];

export function hasBom(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2];
}

/** String.prototype.isWellFormed (Node 20; the project's TypeScript lib is ES2022). O(1) for one-byte strings. */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Index of the first UTF-16 surrogate without its pair in `s`, or -1. */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}
