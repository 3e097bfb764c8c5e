// The two directions of the vocabulary. The agent turns a MISP value into the one key it
// writes (normalizeIndicator); the filter turns a log value into every key that could hold a
// matching indicator (candidateProbes). Specs prove the first is always among the second.
import type { Datatype, IndicatorKind } from './datatypes.js';
import { normalizeDnsName, parentDomains } from './dns-name.js';
import { normalizeEmail } from './email.js';
import { normalizeHash } from './hash.js';
import {
  formatIp,
  isAddress,
  isDottedQuad,
  mayBeIp,
  networkOf,
  parseIp,
  appendV4NetworkTexts,
  type IpValue,
} from './ip.js';
import { asciiIndicatorKey, indicatorKey, MAX_KEY_BYTES, PLAIN_KEY_PREFIXES } from './keys.js';
import { MISP_TYPE_PARTS, splitMispValue } from './misp-types.js';
import { normalizeUrl } from './url.js';

export interface Indicator {
  kind: IndicatorKind;
  canonical: string;
  key: string;
}

function indicator(kind: IndicatorKind, canonical: string): Indicator {
  return { kind, canonical, key: indicatorKey(kind, canonical) };
}

/** For canonical forms that are printable ASCII by construction (IPs, DNS names, hashes). */
function asciiIndicator(kind: IndicatorKind, canonical: string): Indicator {
  return { kind, canonical, key: asciiIndicatorKey(kind, canonical) };
}

/** A MISP-side value of one datatype as the single indicator it is stored as, or null. */
export function normalizeIndicator(datatype: Datatype, raw: string): Indicator | null {
  switch (datatype) {
    case 'ip': {
      const ip = parseIp(raw);
      if (!ip) return null;
      return asciiIndicator(isAddress(ip) ? 'ip' : 'net', formatIp(ip));
    }
    case 'domain':
    case 'hostname': {
      const name = normalizeDnsName(raw);
      return name ? asciiIndicator(datatype, name) : null;
    }
    case 'url': {
      const url = normalizeUrl(raw);
      return url ? indicator('url', url) : null;
    }
    case 'email': {
      const email = normalizeEmail(raw);
      return email ? indicator('email', email) : null;
    }
    default: {
      const hash = normalizeHash(datatype, raw);
      return hash ? asciiIndicator(datatype, hash) : null;
    }
  }
}

export interface MispIndicators {
  indicators: Indicator[];
  /** Parts of the value that did not parse as their datatype. */
  invalid: number;
}

/** Every indicator in one MISP attribute, composites split; null if the type is unsupported. */
export function mispIndicators(type: string, value: string): MispIndicators | null {
  if (!Object.hasOwn(MISP_TYPE_PARTS, type)) return null;
  const parts = splitMispValue(type, value);
  // A supported composite type whose value lacks its "|" is a malformed value: counted.
  if (!parts) return { indicators: [], invalid: 1 };
  const out: MispIndicators = { indicators: [], invalid: 0 };
  for (const part of parts) {
    const ind = normalizeIndicator(part.datatype, part.raw);
    if (ind) out.indicators.push(ind);
    else out.invalid++;
  }
  return out;
}

/** CIDR prefix lengths to probe per family; null when unknown (then every length is probed). */
export interface PrefixPlan {
  /** Ascending, each once (decodeMeta makes them so): keys come out in this order. */
  v4: readonly number[];
  v6: readonly number[];
}

/**
 * What a log value may match: its keys, and for each key the indicator kind and canonical value
 * stored under it. Parallel arrays rather than one object per key: the keys are what every new
 * value needs, and in GraalJS's interpreter every allocation counts.
 */
export interface Candidate {
  /** The datatype the value was matched as ("ip" for an address found in a domain field). */
  datatype: Datatype;
  canonical: string;
  keys: string[];
  kinds: IndicatorKind[];
  canonicals: string[];
}

/** The i-th probe of a candidate as an Indicator. */
export function probeOf(c: Candidate, i: number): Indicator {
  return { kind: c.kinds[i]!, canonical: c.canonicals[i]!, key: c.keys[i]! };
}

function single(datatype: Datatype, ind: Indicator): Candidate {
  return { datatype, canonical: ind.canonical, keys: [ind.key], kinds: [ind.kind], canonicals: [ind.canonical] };
}

const ALL_V4_LENGTHS: readonly number[] = Array.from({ length: 32 }, (_, i) => i);
const ALL_V6_LENGTHS: readonly number[] = Array.from({ length: 128 }, (_, i) => i);

const IP_KEY = PLAIN_KEY_PREFIXES.ip;
const NET_KEY = PLAIN_KEY_PREFIXES.net;
const DOMAIN_KEY_PREFIX = PLAIN_KEY_PREFIXES.domain;
/** The longest DNS name whose domain key is still plain (MAX_KEY_BYTES with "me1:domain:"). */
const MAX_PLAIN_NAME = MAX_KEY_BYTES - DOMAIN_KEY_PREFIX.length;

/**
 * The keys of a dotted-quad IPv4 address, its own canonical text: the address, then each network
 * in use. Address and network texts are short printable ASCII, so their keys are always plain
 * (the key prefix, then the text). The keys() call needs only these, for every new address.
 */
export function v4Keys(canonical: string, prefixes: PrefixPlan | null): string[] {
  const keys: string[] = [];
  appendV4Keys(keys, IP_KEY, NET_KEY, canonical, prefixes);
  return keys;
}

/**
 * v4Keys appended to `out`, the address's key behind `ipHead` and each network's behind
 * `netHead` ("me1:ip:" and "me1:net:", or those with a separator before them: the keys answer
 * is written this way, without an array per value).
 */
export function appendV4Keys(out: string[], ipHead: string, netHead: string, canonical: string, prefixes: PrefixPlan | null): void {
  out.push(ipHead + canonical);
  appendV4NetworkTexts(out, netHead, canonical, prefixes ? prefixes.v4 : ALL_V4_LENGTHS);
}

/** v4Keys with each key's kind and canonical text, for the few values that hit. */
function v4Candidate(canonical: string, prefixes: PrefixPlan | null): Candidate {
  const keys = v4Keys(canonical, prefixes);
  const kinds: IndicatorKind[] = ['ip'];
  const canonicals = [canonical];
  for (let i = 1; i < keys.length; i++) {
    kinds.push('net');
    canonicals.push(keys[i]!.slice(NET_KEY.length));
  }
  return { datatype: 'ip', canonical, keys, kinds, canonicals };
}

function v6Candidate(ip: IpValue, prefixes: PrefixPlan | null): Candidate {
  const canonical = formatIp(ip);
  const keys = [asciiIndicatorKey('ip', canonical)];
  const kinds: IndicatorKind[] = ['ip'];
  const canonicals = [canonical];
  const lengths = prefixes ? prefixes.v6 : ALL_V6_LENGTHS;
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    if (len < 128) {
      const net = formatIp(networkOf(ip, len));
      keys.push(asciiIndicatorKey('net', net));
      kinds.push('net');
      canonicals.push(net);
    }
  }
  return { datatype: 'ip', canonical, keys, kinds, canonicals };
}

/** An IP address matches itself and each network containing it; a network or non-IP: null. */
function ipCandidate(raw: string, prefixes: PrefixPlan | null): Candidate | null {
  // A bare dotted quad, nearly every IP in a log, is its own canonical text.
  if (isDottedQuad(raw)) return v4Candidate(raw, prefixes);
  const ip = parseIp(raw);
  if (!ip || !isAddress(ip)) return null;
  return ip.family === 6 ? v6Candidate(ip, prefixes) : v4Candidate(formatIp(ip), prefixes);
}

/**
 * candidateProbes(...).keys, without the kinds and canonical texts for the commonest value, a
 * dotted-quad address in an IP field: what the keys() call asks of every new value.
 */
export function candidateKeys(datatype: Datatype, raw: string, prefixes: PrefixPlan | null): readonly string[] | null {
  if (datatype === 'ip' && isDottedQuad(raw)) return v4Keys(raw, prefixes);
  const candidate = candidateProbes(datatype, raw, prefixes);
  return candidate ? candidate.keys : null;
}

/**
 * Every key that could hold an indicator matching this log value, or null if the value does not
 * parse as its datatype. An IP matches its address and each network containing it; a domain
 * field matches domain indicators on itself and each parent, and hostname indicators exactly;
 * a hostname field matches hostname indicators exactly. A domain or hostname field that holds
 * an IP address (url.domain often does) is matched as an IP.
 */
export function candidateProbes(
  datatype: Datatype,
  raw: string,
  prefixes: PrefixPlan | null,
): Candidate | null {
  switch (datatype) {
    case 'ip':
      return ipCandidate(raw, prefixes);
    case 'domain':
    case 'hostname': {
      if (mayBeIp(raw)) {
        const ip = ipCandidate(raw, prefixes);
        if (ip) return ip;
      }
      const name = normalizeDnsName(raw);
      if (!name) return null;
      if (datatype === 'hostname') return single('hostname', asciiIndicator('hostname', name));
      const canonicals = parentDomains(name);
      const keys = new Array<string>(canonicals.length + 1);
      const kinds = new Array<IndicatorKind>(canonicals.length + 1);
      for (let i = 0; i < canonicals.length; i++) {
        keys[i] = DOMAIN_KEY_PREFIX + canonicals[i]!;
        kinds[i] = 'domain';
      }
      // A name too long for a plain key (over 250 bytes with its prefix) gets the hashed form.
      if (name.length > MAX_PLAIN_NAME) for (let i = 0; i < canonicals.length; i++) keys[i] = asciiIndicatorKey('domain', canonicals[i]!);
      keys[canonicals.length] = asciiIndicatorKey('hostname', name);
      kinds[canonicals.length] = 'hostname';
      canonicals.push(name);
      return { datatype, canonical: name, keys, kinds, canonicals };
    }
    default: {
      const ind = normalizeIndicator(datatype, raw);
      return ind ? single(datatype, ind) : null;
    }
  }
}
