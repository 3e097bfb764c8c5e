// Compact lookup tables for a million entries. A key string costs ~100 bytes on the V8 heap
// (header, characters, the cons strings a template literal leaves), and the agent's index would
// hold one per indicator and one per attribute uuid. Instead the index keeps two 32-bit hashes
// of each string: the first picks a probe run in a typed-array table, the pair identifies the
// string. Two different strings share both hashes with probability
// ~2^-62 per pair, about 1e-7 for a million keys: far below the rate of any other failure.

let h1 = 0;
let h2 = 0;

/** Computes both hashes of s into hashA()/hashB() (no allocation on the hot path). */
export function hashString(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  // Final avalanche, so keys that differ only in their last characters spread over buckets.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 15;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  h1 = a >>> 0;
  h2 = b >>> 0;
}

export function hashA(): number {
  return h1;
}

export function hashB(): number {
  return h2;
}

/**
 * A multimap from 32-bit hashes to entries (small non-negative integers), by open addressing in
 * one Int32Array: no per-entry object, nothing for the garbage collector to trace. Entries with
 * the same hash sit in one probe run; callers check identity themselves. Deleted cells become
 * tombstones until the next rehash.
 */
export class ProbeTable {
  private cells = new Int32Array(1024);
  private mask = 1023;
  private count = 0;
  private tombs = 0;

  /** hashOf(entry) must return the hash the entry was added under (used when rehashing). */
  constructor(private readonly hashOf: (entry: number) => number) {}

  get size(): number {
    return this.count;
  }

  /** Visits the entries in hash's probe run until visit returns true. */
  scan(hash: number, visit: (entry: number) => boolean | void): void {
    const cells = this.cells;
    let i = hash & this.mask;
    for (;;) {
      const c = cells[i]!;
      if (c === 0) return;
      if (c > 0 && visit(c - 1) === true) return;
      i = (i + 1) & this.mask;
    }
  }

  add(hash: number, entry: number): void {
    // Linear probing stays short up to ~70% load; rehashing leaves it at 25-50%.
    if ((this.count + this.tombs + 1) * 10 > this.cells.length * 7) this.rehash();
    let i = hash & this.mask;
    while (this.cells[i]! > 0) i = (i + 1) & this.mask;
    if (this.cells[i] === -1) this.tombs--;
    this.cells[i] = entry + 1;
    this.count++;
  }

  delete(hash: number, entry: number): boolean {
    let i = hash & this.mask;
    for (;;) {
      const c = this.cells[i]!;
      if (c === 0) return false;
      if (c === entry + 1) {
        this.cells[i] = -1;
        this.count--;
        this.tombs++;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  private rehash(): void {
    let size = 1024;
    while (size < (this.count + 1) * 2) size *= 2;
    const old = this.cells;
    this.cells = new Int32Array(size);
    this.mask = size - 1;
    this.tombs = 0;
    for (const c of old) {
      if (c <= 0) continue;
      let i = this.hashOf(c - 1) & this.mask;
      while (this.cells[i] !== 0) i = (i + 1) & this.mask;
      this.cells[i] = c;
    }
  }
}

const HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Packs a canonical lower-case uuid into 16 bytes at out[at..]; false for any other form. */
export function packUuid(uuid: string, out: Uint8Array, at: number): boolean {
  if (uuid.length !== 36 || !HEX.test(uuid)) return false;
  let j = at;
  for (let i = 0; i < 36; ) {
    if (uuid.charCodeAt(i) === 45) {
      i++;
      continue;
    }
    out[j++] = (hexVal(uuid.charCodeAt(i)) << 4) | hexVal(uuid.charCodeAt(i + 1));
    i += 2;
  }
  return true;
}

function hexVal(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

const HEXCHARS = '0123456789abcdef';

export function unpackUuid(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    const b = bytes[at + i]!;
    s += HEXCHARS[b >> 4]! + HEXCHARS[b & 15]!;
  }
  return s;
}
