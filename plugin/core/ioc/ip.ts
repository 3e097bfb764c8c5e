// IP addresses and networks in one canonical text form, so that the agent (writing MISP values)
// and the filter (reading log values) build byte-identical keys. Pure string/number work: the
// same code runs in Node and in GraalJS, which has no `net` module.
//
// Written for GraalJS's interpreter, where Logstash's JDK 21 runs it: there every JavaScript
// operation costs tens of nanoseconds but a built-in (a regular expression, indexOf, slice) runs
// as compiled Java. So the hot path is one anchored regex and integer masks, not splits,
// per-octet regexes or per-prefix arrays.

export type IpFamily = 4 | 6;

/** An address (prefix = full length) or a network, with host bits already cleared. */
export interface IpValue {
  family: IpFamily;
  /** 4 numbers (0..255) for IPv4, 8 numbers (0..65535) for IPv6. */
  parts: number[];
  prefix: number;
}

// Octets 0..255 without leading zeros: inet_aton reads those as octal, so "010.0.0.1" is ambiguous.
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const V4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX_TEXT = /^(0|[1-9][0-9]{0,2})$/;
const V6_TEXT = /^[0-9a-fA-F:]+$/;

/** "0".."255", so formatting an address never converts a number to text. */
const OCTETS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * The 32-bit value of a dotted-quad IPv4 address (exactly the text, nothing around it), or -1.
 * The canonical text of a valid address is the input itself.
 */
export function v4Value(text: string): number {
  const m = V4.exec(text);
  if (!m) return -1;
  return ((+m[1]! << 24) | (+m[2]! << 16) | (+m[3]! << 8) | +m[4]!) >>> 0;
}

/** The address bits kept by a prefix length (0..32). */
export function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Dotted-quad text of a 32-bit value. */
export function formatV4(value: number): string {
  return (
    OCTETS[value >>> 24]! + '.' + OCTETS[(value >>> 16) & 255]! + '.' + OCTETS[(value >>> 8) & 255]! + '.' + OCTETS[value & 255]!
  );
}

function v4Parts(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

function groupsOf(text: string): number[] | null {
  if (text === '') return [];
  const pieces = text.split(':');
  const out = new Array<number>(pieces.length);
  for (let i = 0; i < pieces.length; i++) {
    const g = pieces[i]!;
    // V6_TEXT has already refused anything but hex digits and colons.
    if (g.length === 0 || g.length > 4) return null;
    out[i] = parseInt(g, 16);
  }
  return out;
}

function parseV6(input: string): number[] | null {
  let text = input;
  // An embedded dotted IPv4 tail ("::ffff:192.0.2.1", "64:ff9b::192.0.2.1") is rewritten as
  // its two hex groups so the rest of the parser sees plain IPv6.
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > lastColon) {
    const v4 = v4Value(text.slice(lastColon + 1));
    if (v4 < 0) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  if (!V6_TEXT.test(text)) return null;
  const gap = text.indexOf('::');
  if (gap < 0) {
    const groups = groupsOf(text);
    return groups && groups.length === 8 ? groups : null;
  }
  // A second "::" (or ":::") is not an address.
  if (text.indexOf('::', gap + 1) >= 0) return null;
  const head = groupsOf(text.slice(0, gap));
  const tail = groupsOf(text.slice(gap + 2));
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  const groups = head;
  for (let i = 0; i < missing; i++) groups.push(0);
  for (const g of tail) groups.push(g);
  return groups;
}

function isV4Mapped(parts: number[]): boolean {
  return parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0xffff;
}

function clearHostBits(parts: number[], bitsPerPart: number, prefix: number): number[] {
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const start = i * bitsPerPart;
    if (prefix >= start + bitsPerPart) out[i] = parts[i]!;
    else if (prefix <= start) out[i] = 0;
    else {
      const keep = prefix - start;
      out[i] = parts[i]! & (((1 << keep) - 1) << (bitsPerPart - keep));
    }
  }
  return out;
}

/**
 * Parses an address or CIDR network. Brackets ("[2001:db8::1]") and IPv6 zone ids ("%eth0")
 * are accepted and dropped; IPv4-mapped IPv6 becomes IPv4. Returns null when it is not an IP.
 */
export function parseIp(input: string): IpValue | null {
  // Most values are a bare dotted quad: one regex decides.
  const plain = v4Value(input);
  if (plain >= 0) return { family: 4, parts: v4Parts(plain), prefix: 32 };
  let text = input.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  let prefix: number | null = null;
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!PREFIX_TEXT.test(p)) return null;
    prefix = Number(p);
    text = text.slice(0, slash);
  }
  const zone = text.indexOf('%');
  if (zone >= 0 && text.indexOf(':') >= 0) text = text.slice(0, zone);
  if (text.indexOf(':') >= 0) {
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
  const v4 = v4Value(text);
  if (v4 < 0) return null;
  const p = prefix ?? 32;
  if (p > 32) return null;
  return { family: 4, parts: v4Parts((v4 & v4Mask(p)) >>> 0), prefix: p };
}

/**
 * False only when the text cannot be an IP address or network: it has no ':' and ends in a
 * letter, '.', '-' or '_'. A cheap guard that spares DNS names the full parseIp.
 */
export function mayBeIp(text: string): boolean {
  const c = text.charCodeAt(text.length - 1);
  const nameLike = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 46 || c === 45 || c === 95;
  return !nameLike || text.indexOf(':') >= 0;
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
  if (bestLen < 2) return hexGroups(parts, 0, 8);
  return `${hexGroups(parts, 0, bestStart)}::${hexGroups(parts, bestStart + bestLen, 8)}`;
}

function hexGroups(parts: number[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (i > from ? ':' : '') + parts[i]!.toString(16);
  return s;
}

function v4Of(parts: number[]): number {
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Canonical text: "192.0.2.1", "2001:db8::1", or "198.51.100.0/24" for a network. */
export function formatIp(ip: IpValue): string {
  const addr = ip.family === 4 ? formatV4(v4Of(ip.parts)) : formatV6(ip.parts);
  return isAddress(ip) ? addr : `${addr}/${ip.prefix}`;
}

/** The network of the given prefix length that contains this address. */
export function networkOf(ip: IpValue, prefix: number): IpValue {
  if (ip.family === 4) return { family: 4, parts: v4Parts((v4Of(ip.parts) & v4Mask(prefix)) >>> 0), prefix };
  return { family: 6, parts: clearHostBits(ip.parts, 16, prefix), prefix };
}

/** True for exactly a dotted-quad IPv4 address, its own canonical text. */
export function isDottedQuad(text: string): boolean {
  return V4.test(text);
}

// The text of a /len network of a dotted-quad address is the address's text up to the last octet
// the prefix keeps whole ("10.1.2."), then a tail: the octet the prefix cuts, masked, the cleared
// octets and "/len" ("128/25"). Tails are tables built once per prefix length (one string per
// value of the cut octet; a length keeping whole octets only, 8, 16 or 24, masks it to 0, so its
// entries are all "0.../len"), so a network costs a table lookup and one concatenation.
const TAILS: (readonly string[] | undefined)[] = [];

function tailsOf(len: number): readonly string[] {
  let tails = TAILS[len];
  if (!tails) {
    const mask = (0xff << (8 - (len & 7))) & 0xff;
    const cleared = '.0'.repeat(3 - (len >> 3));
    tails = Array.from({ length: 256 }, (_, v) => `${v & mask}${cleared}/${len}`);
    TAILS[len] = tails;
  }
  return tails;
}

/**
 * How the networks of one list of prefix lengths are cut from an address's text: per count of
 * octets a prefix keeps whole (0..3), the tail table of each length in that group. Ascending
 * lengths are grouped by that count in order, so the texts come out in the lengths' order.
 */
interface V4Cuts {
  lengths: readonly number[];
  /** groups[w]: the tail tables (256 entries, by the cut octet's value) of the lengths keeping w whole octets. */
  groups: (readonly string[])[][];
  /** Only lengths from /24 to /31 (MISP's usual networks): all cut from the last octet. */
  lastOctetOnly: boolean;
}

function v4CutsOf(lengths: readonly number[]): V4Cuts {
  const groups: (readonly string[])[][] = [[], [], [], []];
  for (const len of lengths) {
    if (len >= 0 && len < 32) groups[len >> 3]!.push(tailsOf(len));
  }
  return { lengths, groups, lastOctetOnly: groups[0]!.length + groups[1]!.length + groups[2]!.length === 0 };
}

// The plan's lengths change once per agent sync: their cuts are worked out once (a pure memo).
let lastCuts: V4Cuts = v4CutsOf([]);

/**
 * Appends to `out`, for each of these prefix lengths (ascending, 0..31; others are skipped), the
 * canonical text of the network of that length containing a dotted-quad address (isDottedQuad),
 * behind `head` (a key prefix, or '' for the bare text). Cut from the address's own text: per
 * group of lengths keeping the same whole octets, `head` is joined to those octets once and the
 * cut octet read once, then each network costs a table lookup and one concatenation. Written for
 * GraalJS's interpreter, where each operation costs: nothing per length beyond that.
 */
export function appendV4NetworkTexts(out: string[], head: string, text: string, lengths: readonly number[]): void {
  const cuts = lengths === lastCuts.lengths ? lastCuts : (lastCuts = v4CutsOf(lengths));
  const groups = cuts.groups;
  if (cuts.lastOctetOnly) {
    // One search for the last dot instead of three for each: every call is dear in the interpreter.
    const tables = groups[3]!;
    const dot = text.lastIndexOf('.') + 1;
    const stem = head + text.slice(0, dot);
    const octet = +text.slice(dot);
    for (let i = 0; i < tables.length; i++) out.push(stem + tables[i]![octet]!);
    return;
  }
  let from = 0;
  let dot = -1;
  for (let w = 0; w < 4; w++) {
    const start = dot + 1;
    dot = w === 3 ? text.length : text.indexOf('.', start);
    const tables = groups[w]!;
    if (tables.length === 0) continue;
    const stem = head + text.slice(from, start);
    from = start;
    head = stem;
    const octet = +text.slice(start, dot);
    for (let i = 0; i < tables.length; i++) out.push(stem + tables[i]![octet]!);
  }
}
