// The retro-hunt's view of the key scheme: which keys a log value is found by later, in a search
// engine, and which terms find the log values an indicator matches. One rule makes the hunt's
// semantics the filter's: an indicator finds a value exactly when its key is among the keys the
// filter probes for that value (candidateProbes) — whatever CIDR prefix lengths are in use when.
//
// The filter probes a network key only for the prefix lengths loaded at the time, so those keys
// cannot be written at ingest for networks that do not exist yet. An IP address is written instead
// as its bit string ("me1:ipb4:" and 32 characters 0/1, "me1:ipb6:" and 128): an address
// indicator is that whole string, and a network indicator of length n is its first n bits, a
// prefix query on the same keyword field. Every other probe key (names and their parents, URLs,
// hashes, e-mail addresses) does not depend on what is loaded and is written as it is.
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

/** No network probes: the hunt finds networks by bit-string prefix instead. */
const NO_NETWORKS: PrefixPlan = { v4: [], v6: [] };

export const IP_BITS_PREFIX: Readonly<Record<4 | 6, string>> = { 4: `${KEY_PREFIX}ipb4:`, 6: `${KEY_PREFIX}ipb6:` };

/** The first `length` bits of an address or network, as '0'/'1' characters. */
function bits(ip: IpValue, length: number): string {
  const width = ip.family === 4 ? 8 : 16;
  let out = '';
  for (let i = 0; i < ip.parts.length && out.length < length; i++) out += ip.parts[i]!.toString(2).padStart(width, '0');
  return out.slice(0, length);
}

/**
 * The keys a retro-hunt finds this log value by, or null when it does not parse as its datatype
 * ([] for nothing to find). An IP address (in an IP field, or a name field holding one) is its
 * bit-string key alone; anything else is its probe keys.
 */
export function huntKeys(datatype: Datatype, raw: string): string[] | null {
  const candidate = candidateProbes(datatype, raw, NO_NETWORKS);
  if (!candidate) return null;
  if (candidate.datatype !== 'ip') return candidate.keys;
  // candidateProbes took the value as an address: its canonical text parses back to it.
  const ip = parseIp(candidate.canonical)!;
  return [IP_BITS_PREFIX[ip.family] + bits(ip, ip.family === 4 ? 32 : 128)];
}

/**
 * How a hunt finds the values an indicator matches among hunt keys: one exact key (`term`), or for
 * a network every key that starts with its bits (`prefix`).
 */
export type HuntTerm = { term: string } | { prefix: string };

export function huntTerm(indicator: Indicator): HuntTerm {
  if (indicator.kind !== 'ip' && indicator.kind !== 'net') return { term: indicator.key };
  const ip = parseIp(indicator.canonical)!;
  const text = IP_BITS_PREFIX[ip.family] + bits(ip, ip.prefix);
  return indicator.kind === 'ip' ? { term: text } : { prefix: text };
}

/** True when one of these hunt keys is found by the term: what a search engine answers. */
export function huntTermFinds(term: HuntTerm, keys: readonly string[]): boolean {
  return 'term' in term ? keys.includes(term.term) : keys.some((k) => k.startsWith(term.prefix));
}
