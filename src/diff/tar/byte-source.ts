// Pulls exact byte counts out of an async stream of chunks, keeping count of the offset so that
// errors can say where in the archive they happened.

export class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer | Uint8Array | string>;
  /** bytes handed out so far */
  offset = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(wanted: number): Promise<void> {
    while (this.buffered < wanted && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  private take(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      out = Buffer.allocUnsafe(count);
      let filled = 0;
      while (filled < count) {
        const chunk = this.chunks[0];
        const n = Math.min(chunk.length, count - filled);
        chunk.copy(out, filled, 0, n);
        filled += n;
        if (n === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.buffered -= count;
    this.offset += count;
    return out;
  }

  /** Exactly `count` bytes, or what was left (shorter) when the stream ended early. */
  async read(count: number): Promise<Buffer> {
    await this.fill(count);
    return this.take(Math.min(count, this.buffered));
  }

  /** Between 1 and `max` bytes as soon as some are available; empty only at the end of the stream. */
  async readSome(max: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    if (this.buffered === 0) return Buffer.alloc(0);
    return this.take(Math.min(max, this.chunks[0].length));
  }

  /** Skips up to `count` bytes; returns how many were actually skipped. */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count) {
      const part = await this.readSome(Math.min(count - skipped, 1 << 20));
      if (part.length === 0) break;
      skipped += part.length;
    }
    return skipped;
  }

  /** Consumes the rest of the stream (so a hash over it sees every byte). */
  async drain(): Promise<void> {
    while ((await this.readSome(1 << 20)).length > 0) { /* discard */ }
  }
}
