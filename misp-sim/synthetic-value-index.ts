// Exact value lookups on --synthetic data without scanning it. MISP answers a value filter from
// the indexed value1/value2 columns; here a synthetic value is computed from its index, so most
// values can be read backwards: "dom-2n9c.example" can only be attribute parseInt("2n9c", 36),
// "10.1.134.160" only the indexes congruent to 0x0186a0 modulo 2^24, and so on. Hashes cannot be
// inverted: for them a table of (first 32 bits of the digest → index) is built, per algorithm,
// the first time a value of that length is looked up. It holds one entry per synthetic attribute
// carrying that digest (a twelfth of them for md5, fewer for the others) at 12 bytes each: about
// 1 MB per million synthetic attributes for md5, and one digest computed per entry once.
// Candidates are a superset: the caller checks every row against the whole query.
import { createHash } from 'node:crypto';
import { foldCi, ipv6Groups, padSpace } from './php.js';
import type { SyntheticSource } from './synthetic.js';

const HASH_LENGTHS: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const TYPES_WITH: Record<string, readonly string[]> = {
  md5: ['md5', 'filename|md5', 'malware-sample'],
  sha1: ['sha1', 'filename|sha1'],
  sha256: ['sha256', 'filename|sha256'],
  sha512: ['sha512', 'filename|sha512'],
};

interface HashTable {
  keys: Uint32Array;
  indexes: Float64Array;
}

export class SyntheticValueIndex {
  private readonly hashes = new Map<string, HashTable>();

  constructor(private readonly syn: SyntheticSource) {}

  /** Indexes whose value1 or value2 may equal one of the values (ascending, deduplicated). */
  candidates(values: readonly string[]): number[] {
    const out = new Set<number>();
    for (const v of values) for (const i of this.candidatesFor(padSpace(foldCi(v)))) if (i >= 0 && i < this.syn.count) out.add(i);
    return [...out].sort((a, b) => a - b);
  }

  /** Bytes held by the hash tables built so far. */
  memoryBytes(): number {
    let n = 0;
    for (const t of this.hashes.values()) n += t.keys.byteLength + t.indexes.byteLength;
    return n;
  }

  private *congruent(residue: number, modulus: number): Generator<number> {
    for (let i = residue; i < this.syn.count; i += modulus) yield i;
  }

  private *candidatesFor(v: string): Generator<number> {
    let m: RegExpExecArray | null;
    const octets = (...xs: string[]): number[] | null => {
      const n = xs.map(Number);
      return n.every((x, k) => x <= 255 && String(x) === xs[k]) ? n : null;
    };
    if ((m = /^10\.(\d+)\.(\d+)\.(\d+)$/.exec(v))) {
      const o = octets(m[1]!, m[2]!, m[3]!);
      if (o) yield* this.congruent((o[0]! << 16) | (o[1]! << 8) | o[2]!, 2 ** 24);
      return;
    }
    if ((m = /^100\.(\d+)\.(\d+)\.(\d+)$/.exec(v))) {
      const o = octets(m[1]!, m[2]!, m[3]!);
      if (o && o[0]! >= 64 && o[0]! < 128) yield* this.congruent(((o[0]! - 64) << 16) | (o[1]! << 8) | o[2]!, 2 ** 22);
      return;
    }
    if ((m = /^172\.(\d+)\.(\d+)\.(\d+)\/(24|28)$/.exec(v))) {
      const o = octets(m[1]!, m[2]!, m[3]!);
      if (!o || o[0]! < 16 || o[0]! > 31) return;
      const high = ((o[0]! - 16) << 16) | (o[1]! << 8);
      if (m[4] === '24') {
        for (let low = 0; low < 256; low++) yield* this.congruent(high | low, 2 ** 20);
      } else if (o[2]! % 16 === 0) {
        for (let mid = 0; mid < 16; mid++) yield* this.congruent(high | (mid << 4) | (o[2]! / 16), 2 ** 20);
      }
      return;
    }
    if (v.startsWith('2001:db8:')) {
      const g = ipv6Groups(v);
      if (g && g[4] === 0 && g[5] === 0 && g[6] === 0 && g[7] === 1) yield g[2]! * 65536 + g[3]!;
      return;
    }
    const exact: [RegExp, (m: RegExpExecArray) => number][] = [
      [/^dom-([0-9a-z]+)\.example$/, (x) => base36(x[1]!)],
      [/^host-([0-9a-z]+)\.srv\.test$/, (x) => base36(x[1]!)],
      [/^https?:\/\/web-[0-9a-z]+\.example\.org\/path\/(\d+)\/index\.php\?id=\d+$/, (x) => Number(x[1])],
      [/^user(\d+)@mail-\d+\.example$/, (x) => Number(x[1])],
      [/^synthetic (?:note|comment) (\d+)$/, (x) => Number(x[1])],
      [/^document-(\d+)\.pdf$/, (x) => Number(x[1])],
      [/^hklm\\software\\synthetic\\key(\d+)$/, (x) => Number(x[1])],
      [/^sample-(\d+)\.(?:exe|zip)$/, (x) => Number(x[1])],
    ];
    for (const [re, read] of exact) {
      if ((m = re.exec(v))) {
        yield read(m);
        return;
      }
    }
    if ((m = /^(\d+)$/.exec(v))) {
      const n = Number(m[1]);
      // Ports: 1024 + i % 60000 (port, ip|port), 8000 + i % 1000 (hostname|port).
      if (n >= 1024 && n < 61024) yield* this.congruent(n - 1024, 60000);
      if (n >= 8000 && n < 9000) yield* this.congruent(n - 8000, 1000);
      return;
    }
    if ((m = /^as(\d+)$/.exec(v))) {
      const n = Number(m[1]) - 64512;
      if (n >= 0 && n < 1023) yield* this.congruent(n, 1023);
      return;
    }
    const algo = /^[0-9a-f]+$/.test(v) ? HASH_LENGTHS[v.length] : undefined;
    if (algo) yield* this.lookupHash(algo, v);
  }

  private *lookupHash(algo: string, hex: string): Generator<number> {
    const t = this.hashTable(algo);
    const key = Number.parseInt(hex.slice(0, 8), 16);
    let lo = 0;
    let hi = t.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < t.keys.length && t.keys[k] === key; k++) yield t.indexes[k]!;
  }

  private hashTable(algo: string): HashTable {
    let t = this.hashes.get(algo);
    if (t) return t;
    const types = new Set(TYPES_WITH[algo]);
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.syn.count; i++) {
      if (!types.has(this.syn.type(i))) continue;
      const digest = createHash(algo).update(`misp-sim:${i}`).digest();
      pairs.push([digest.readUInt32BE(0), i]);
    }
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    t = { keys: Uint32Array.from(pairs, (p) => p[0]), indexes: Float64Array.from(pairs, (p) => p[1]) };
    this.hashes.set(algo, t);
    return t;
  }
}

function base36(s: string): number {
  const n = Number.parseInt(s, 36);
  return n.toString(36) === s ? n : -1;
}
