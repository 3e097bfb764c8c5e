// The two directions of the vocabulary. The agent turns a MISP value into the one key it
// writes (normalizeIndicator); the filter turns a log value into every key that could hold a
// matching indicator (candidateProbes). Specs prove the first is always among the second.
import type { Datatype, IndicatorKind } from './datatypes.js';
import { normalizeDnsName, parentDomains } from './dns-name.js';
import { normalizeEmail } from './email.js';
import { normalizeHash } from './hash.js';
import { formatIp, isAddress, maxPrefix, networkOf, parseIp, type IpValue } from './ip.js';
import { indicatorKey } from './keys.js';
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

/** A MISP-side value of one datatype as the single indicator it is stored as, or null. */
export function normalizeIndicator(datatype: Datatype, raw: string): Indicator | null {
  switch (datatype) {
    case 'ip': {
      const ip = parseIp(raw);
      if (!ip) return null;
      return indicator(isAddress(ip) ? 'ip' : 'net', formatIp(ip));
    }
    case 'domain':
    case 'hostname': {
      const name = normalizeDnsName(raw);
      return name ? indicator(datatype, name) : null;
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
      return hash ? indicator(datatype, hash) : null;
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
  v4: readonly number[];
  v6: readonly number[];
}

export interface Candidate {
  /** The datatype the value was matched as ("ip" for an address found in a domain field). */
  datatype: Datatype;
  canonical: string;
  probes: Indicator[];
}

function ipProbes(ip: IpValue, prefixes: PrefixPlan | null): Indicator[] {
  const max = maxPrefix(ip.family);
  const probes = [indicator('ip', formatIp(ip))];
  const lengths = prefixes ? (ip.family === 4 ? prefixes.v4 : prefixes.v6) : allLengths(max);
  for (const len of lengths) {
    if (len < max) probes.push(indicator('net', formatIp(networkOf(ip, len))));
  }
  return probes;
}

const ALL_LENGTHS = new Map<number, number[]>();
function allLengths(max: number): number[] {
  let list = ALL_LENGTHS.get(max);
  if (!list) {
    list = Array.from({ length: max }, (_, i) => i);
    ALL_LENGTHS.set(max, list);
  }
  return list;
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
    case 'ip': {
      const ip = parseIp(raw);
      if (!ip || !isAddress(ip)) return null;
      return { datatype: 'ip', canonical: formatIp(ip), probes: ipProbes(ip, prefixes) };
    }
    case 'domain':
    case 'hostname': {
      const ip = parseIp(raw);
      if (ip && isAddress(ip)) {
        return { datatype: 'ip', canonical: formatIp(ip), probes: ipProbes(ip, prefixes) };
      }
      const name = normalizeDnsName(raw);
      if (!name) return null;
      const probes =
        datatype === 'domain'
          ? [...parentDomains(name).map((d) => indicator('domain', d)), indicator('hostname', name)]
          : [indicator('hostname', name)];
      return { datatype, canonical: name, probes };
    }
    default: {
      const ind = normalizeIndicator(datatype, raw);
      return ind ? { datatype, canonical: ind.canonical, probes: [ind] } : null;
    }
  }
}
