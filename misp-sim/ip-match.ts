// CIDR membership for warninglists of type "cidr". Networks are kept per prefix length in sets,
// so a lookup costs one set probe per prefix length in use, however long the list (the public
// DNS resolver list has 60,000 entries).
import { isIP } from 'node:net';

function v4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number.parseInt(p, 10)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = v4ToBigInt(v4[1]!);
    s = s.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

/** An address as [family bits, integer], or null when the text is not an IP address. */
export function parseIp(text: string): [32 | 128, bigint] | null {
  const fam = isIP(text);
  if (fam === 4) return [32, v4ToBigInt(text)];
  if (fam === 6) return [128, v6ToBigInt(text)];
  return null;
}

export class CidrSet {
  private readonly byPrefix = new Map<string, Map<number, Map<bigint, string>>>();

  add(entry: string): boolean {
    const [addr, len] = entry.trim().split('/');
    const ip = parseIp(addr ?? '');
    if (!ip) return false;
    const bits = ip[0];
    const prefix = len === undefined ? bits : Number.parseInt(len, 10);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return false;
    const key = String(bits);
    let fam = this.byPrefix.get(key);
    if (!fam) this.byPrefix.set(key, (fam = new Map()));
    let set = fam.get(prefix);
    if (!set) fam.set(prefix, (set = new Map()));
    set.set(ip[1] >> BigInt(bits - prefix), entry.trim());
    return true;
  }

  /** The list entry that contains the address (or the CIDR block's network address), if any. */
  match(value: string): string | null {
    const ip = parseIp(value.split('/')[0]!.trim());
    if (!ip) return null;
    const fam = this.byPrefix.get(String(ip[0]));
    if (!fam) return null;
    for (const [prefix, set] of fam) {
      const hit = set.get(ip[1] >> BigInt(ip[0] - prefix));
      if (hit !== undefined) return hit;
    }
    return null;
  }
}
