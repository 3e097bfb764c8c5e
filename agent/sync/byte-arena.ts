// Attribute values as UTF-8 bytes in fixed-size chunks instead of a million V8 strings. Off the
// V8 heap, a value costs its bytes plus 8 bytes of offset and length, and the garbage collector
// has nothing to trace: the heap stays small, so V8 does not grow it to a multiple of the data.
// Chunks are never copied to grow (no transient double allocation); space of replaced or
// deleted values is reclaimed by compaction once it is half of what is used.

const CHUNK_BITS = 22;
const CHUNK = 1 << CHUNK_BITS; // 4 MiB

export class ByteArena {
  private chunks: Buffer[] = [];
  /** Write position in the last chunk. */
  private pos = CHUNK;
  private used = 0;
  private waste = 0;

  /** Appends the len UTF-8 bytes of s; returns the offset to read them back with. */
  append(s: string, len: number): number {
    if (this.pos + len > CHUNK) {
      // A value larger than a chunk gets a chunk of its own size; offsets stay chunk-aligned.
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK, len)));
      this.pos = 0;
    }
    const at = (this.chunks.length - 1) * CHUNK + this.pos;
    this.chunks[this.chunks.length - 1]!.write(s, this.pos, len, 'utf8');
    this.pos = len > CHUNK ? CHUNK : this.pos + len;
    this.used += len;
    return at;
  }

  read(at: number, len: number): string {
    const pos = at % CHUNK;
    return this.chunks[Math.floor(at / CHUNK)]!.toString('utf8', pos, pos + len);
  }

  equals(at: number, len: number, s: string): boolean {
    // Most values are ASCII: compare code units first, decode only otherwise.
    if (len === s.length) {
      const buf = this.chunks[Math.floor(at / CHUNK)]!;
      const pos = at % CHUNK;
      for (let i = 0; i < len; i++) if (buf[pos + i] !== s.charCodeAt(i)) return this.read(at, len) === s;
      return true;
    }
    return this.read(at, len) === s;
  }

  release(len: number): void {
    this.waste += len;
  }

  /** True when compaction would reclaim at least half of the used space. */
  wantsCompaction(): boolean {
    return this.used > CHUNK && this.waste * 2 > this.used;
  }

  /** Copies the live values into fresh chunks and rewrites their offsets. */
  compact(offsets: Uint32Array, lengths: Uint32Array, live: (slot: number) => boolean, slots: number): void {
    const old = this;
    const next = new ByteArena();
    for (let s = 0; s < slots; s++) {
      if (!live(s)) continue;
      const len = lengths[s]!;
      offsets[s] = next.append(old.read(offsets[s]!, len), len);
    }
    this.chunks = next.chunks;
    this.pos = next.pos;
    this.used = next.used;
    this.waste = 0;
  }
}
