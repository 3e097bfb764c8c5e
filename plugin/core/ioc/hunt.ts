// The retro-hunt's view of the key scheme: which keys a log value is found by later, in a search
// engine, and which terms find the log values an indicator matches. One rule makes the hunt's
// semantics the filter's: an indicator finds a value exactly when its key is among the keys the
// filter probes for that value (candidateProbes) — whatever CIDR prefix lengths are in use when.
//
// The filter probes a network key only for the prefix lengths loaded at the time, so those keys
// cannot be written at ingest for networks that do not exist yet. An IP address is written instead
// as its fixed-width hex ("me1:ipx4:" and 8 hex digits, "me1:ipx6:" and 32): an address indicator
// is that string, and a network indicator is the range from its first to its last address, a
// `range` query on the same keyword field (fixed-width hex sorts as the numbers do). Every other
// probe key (names and their parents, URLs, hashes, e-mail addresses) does not depend on what is
// loaded and is written as it is.
import type { Datatype } from './datatypes.js';
import { parseIp, type IpValue } from './ip.js';
import { KEY_PREFIX } from './keys.js';
import { candidateProbes, type Indicator, type PrefixPlan } from './normalize.js';

/**
 * Written with the hunt keys of every event the filter saw with retro_keys, values or not: the
 * hunt searches the events' own fields only where this key is missing (indices the filter never
 * saw, or saw without retro_keys), and by hunt keys everywhere else.
 */
export const HUNT_MARKER = `${KEY_PREFIX}retro`;

/** No network probes: the hunt finds networks by a range of address keys instead. */
const NO_NETWORKS: PrefixPlan = { v4: [], v6: [] };

export const IP_HEX_PREFIX: Readonly<Record<4 | 6, string>> = { 4: `${KEY_PREFIX}ipx4:`, 6: `${KEY_PREFIX}ipx6:` };

/** An address as fixed-width lower-case hex; with `last`, the network's last address instead of its first. */
function hex(ip: IpValue, last = false): string {
  const width = ip.family === 4 ? 8 : 16;
  let out = '';
  for (let i = 0; i < ip.parts.length; i++) {
    // Bits of this part past the prefix: all set for the last address.
    const kept = Math.min(width, Math.max(0, ip.prefix - i * width));
    const value = last ? ip.parts[i]! | ((1 << (width - kept)) - 1) : ip.parts[i]!;
    out += value.toString(16).padStart(width / 4, '0');
  }
  return out;
}

/**
 * The keys a retro-hunt finds this log value by, or null when it does not parse as its datatype
 * ([] for nothing to find). An IP address (in an IP field, or a name field holding one) is its
 * fixed-width hex key alone; anything else is its probe keys.
 */
export function huntKeys(datatype: Datatype, raw: string): string[] | null {
  const candidate = candidateProbes(datatype, raw, NO_NETWORKS);
  if (!candidate) return null;
  if (candidate.datatype !== 'ip') return candidate.keys;
  // candidateProbes took the value as an address: its canonical text parses back to it.
  const ip = parseIp(candidate.canonical)!;
  return [IP_HEX_PREFIX[ip.family] + hex(ip)];
}

/**
 * How a hunt finds the values an indicator matches among hunt keys: one exact key (`term`), or for
 * a network every key from its first to its last address (`range`, both ends included).
 */
export type HuntTerm = { term: string } | { range: [gte: string, lte: string] };

export function huntTerm(indicator: Indicator): HuntTerm {
  if (indicator.kind !== 'ip' && indicator.kind !== 'net') return { term: indicator.key };
  const ip = parseIp(indicator.canonical)!;
  const head = IP_HEX_PREFIX[ip.family];
  return indicator.kind === 'ip' ? { term: head + hex(ip) } : { range: [head + hex(ip), head + hex(ip, true)] };
}

/** True when one of these hunt keys is found by the term: what a search engine answers. */
export function huntTermFinds(term: HuntTerm, keys: readonly string[]): boolean {
  if ('term' in term) return keys.includes(term.term);
  const [gte, lte] = term.range;
  return keys.some((k) => k >= gte && k <= lte);
}
