/**
 * The content hashes an import has seen, for marking exact duplicates: the first 128 bits of each SHA-1 in
 * one open-addressing table of 32-bit words (16 bytes a row at most half full), instead of a Set of a million
 * hash strings, which took several times the memory and made every garbage collection walk them.
 */
export class SeenHashes {
  private slots = new Uint32Array(4 << 16);
  private mask = (1 << 16) - 1;
  private size = 0;

  /** Adds the hash (at least 16 bytes); false when it was already there. */
  add(digest: Uint8Array): boolean {
    const view = new DataView(digest.buffer, digest.byteOffset, 16);
    const a = (view.getUint32(0, true) | 1) >>> 0; // never 0: a zero first word marks an empty slot
    const b = view.getUint32(4, true);
    const c = view.getUint32(8, true);
    const d = view.getUint32(12, true);
    const { slots, mask } = this;
    for (let i = b & mask; ; i = (i + 1) & mask) {
      const at = i * 4;
      if (slots[at] === 0) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = c;
        slots[at + 3] = d;
        if (++this.size * 2 > mask) this.grow();
        return true;
      }
      if (slots[at] === a && slots[at + 1] === b && slots[at + 2] === c && slots[at + 3] === d) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] === 0) continue;
      for (let i = old[at + 1] & this.mask; ; i = (i + 1) & this.mask) {
        if (this.slots[i * 4] === 0) {
          this.slots.set(old.subarray(at, at + 4), i * 4);
          break;
        }
      }
    }
  }
}
