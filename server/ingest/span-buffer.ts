/**
 * Collects the bytes of one record that spans several chunks, and stops collecting once it passes `max`,
 * so a file without separators cannot make a reader buffer all of it.
 */
export class SpanBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly max: number) {}

  get empty(): boolean {
    return this.bytes === 0;
  }

  /** Keeps a copy: the stream may reuse the chunk's memory. */
  add(piece: Buffer): void {
    this.bytes += piece.length;
    if (this.bytes > this.max) this.parts = [];
    else this.parts.push(Buffer.from(piece));
  }

  /** The record ending with `tail`, or null when it is over the limit; empties the buffer. */
  take(tail: Buffer): Buffer | null {
    const total = this.bytes + tail.length;
    const whole = total > this.max ? null : this.parts.length ? Buffer.concat([...this.parts, tail]) : tail;
    this.parts = [];
    this.bytes = 0;
    return whole;
  }
}
