// IP addresses and networks in one canonical text form, so that the agent (writing MISP values)
// and the filter (reading log values) build byte-identical keys. Pure string/number work: the
// same code runs in Node and in GraalJS, which has no `net` module.

export type IpFamily = 4 | 6;

/** An address (prefix = full length) or a network, with host bits already cleared. */
export interface IpValue {
  family: IpFamily;
  /** 4 numbers (0..255) for IPv4, 8 numbers (0..65535) for IPv6. */
  parts: number[];
  prefix: number;
}

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): number[] | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  const out: number[] = [];
  for (const o of octets) {
    // Leading zeros are refused: inet_aton reads them as octal, so "010.0.0.1" is ambiguous.
    if (!V4_OCTET.test(o)) return null;
    const n = Number(o);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(input: string): number[] | null {
  let text = input;
  // An embedded dotted IPv4 tail ("::ffff:192.0.2.1", "64:ff9b::192.0.2.1") is rewritten as
  // its two hex groups so the rest of the parser sees plain IPv6.
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > lastColon) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return null;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => HEX_GROUP.test(x)) ? g : null;
  };
  const head = groupsOf(halves[0]!);
  if (!head) return null;
  let groups = head;
  if (halves.length === 2) {
    const rest = groupsOf(halves[1]!);
    if (!rest) return null;
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<string>(missing).fill('0'), ...rest];
  }
  if (groups.length !== 8) return null;
  return groups.map((g) => parseInt(g, 16));
}

function isV4Mapped(parts: number[]): boolean {
  return parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff;
}

function clearHostBits(parts: number[], bitsPerPart: number, prefix: number): number[] {
  return parts.map((p, i) => {
    const start = i * bitsPerPart;
    if (prefix >= start + bitsPerPart) return p;
    if (prefix <= start) return 0;
    const keep = prefix - start;
    const mask = ((1 << keep) - 1) << (bitsPerPart - keep);
    return p & mask;
  });
}

/**
 * Parses an address or CIDR network. Brackets ("[2001:db8::1]") and IPv6 zone ids ("%eth0")
 * are accepted and dropped; IPv4-mapped IPv6 becomes IPv4. Returns null when it is not an IP.
 */
export function parseIp(input: string): IpValue | null {
  let text = input.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  let prefix: number | null = null;
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    prefix = Number(p);
    text = text.slice(0, slash);
  }
  const zone = text.indexOf('%');
  if (zone >= 0 && text.includes(':')) text = text.slice(0, zone);
  if (text.includes(':')) {
    const parts = parseV6(text);
    if (!parts) return null;
    const p = prefix ?? 128;
    if (p > 128) return null;
    if (isV4Mapped(parts) && p >= 96) {
      const v4 = [parts[6]! >> 8, parts[6]! & 255, parts[7]! >> 8, parts[7]! & 255];
      return { family: 4, parts: clearHostBits(v4, 8, p - 96), prefix: p - 96 };
    }
    return { family: 6, parts: clearHostBits(parts, 16, p), prefix: p };
  }
  const parts = parseV4(text);
  if (!parts) return null;
  const p = prefix ?? 32;
  if (p > 32) return null;
  return { family: 4, parts: clearHostBits(parts, 8, p), prefix: p };
}

export function maxPrefix(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

export function isAddress(ip: IpValue): boolean {
  return ip.prefix === maxPrefix(ip.family);
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of 2+ zero groups as "::". */
function formatV6(parts: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = parts.map((p) => p.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text: "192.0.2.1", "2001:db8::1", or "198.51.100.0/24" for a network. */
export function formatIp(ip: IpValue): string {
  const addr = ip.family === 4 ? ip.parts.join('.') : formatV6(ip.parts);
  return isAddress(ip) ? addr : `${addr}/${ip.prefix}`;
}

/** The network of the given prefix length that contains this address. */
export function networkOf(ip: IpValue, prefix: number): IpValue {
  const bits = ip.family === 4 ? 8 : 16;
  return { family: ip.family, parts: clearHostBits(ip.parts, bits, prefix), prefix };
}
