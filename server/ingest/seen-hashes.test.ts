import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SeenHashes } from "./seen-hashes";

const sha1 = (text: string) => createHash("sha1").update(text).digest();

describe("SeenHashes", () => {
  it("tells new hashes from seen ones across many growths", () => {
    const seen = new SeenHashes();
    const n = 300_000;
    let added = 0;
    for (let i = 0; i < n; i++) if (seen.add(sha1(`row ${i}`))) added++;
    expect(added).toBe(n);
    let again = 0;
    for (let i = 0; i < n; i += 7) if (seen.add(sha1(`row ${i}`))) again++;
    expect(again).toBe(0);
    expect(seen.add(sha1(`row ${n}`))).toBe(true);
  });

  it("compares all 128 bits, not only the slot's", () => {
    const seen = new SeenHashes();
    const a = Buffer.alloc(20, 7);
    const b = Buffer.from(a);
    b[15] ^= 1;
    expect(seen.add(a)).toBe(true);
    expect(seen.add(b)).toBe(true);
    expect(seen.add(Buffer.from(a))).toBe(false);
  });
});
