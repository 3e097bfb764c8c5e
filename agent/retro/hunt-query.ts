// What a retro-hunt asks the search engine for one batch of new indicators: the events in the
// window that may carry one of them. Two ways, one query (--retro-match):
//
//   keys    events the filter wrote with retro_keys: a `terms` query on misp_enrich.keys with the
//           indicators' hunt terms, and a `range` query per network (ioc/hunt.ts). Exact: these
//           find an event exactly when the filter would have matched it.
//   fields  events without hunt keys, by their own fields (indices the filter never saw, or wrote
//           without retro_keys; with both, only in the indices holding such events, found by the
//           missing marker key me1:retro): addresses and networks as `terms` on the address fields (which take CIDR
//           notation), names, URLs, e-mail addresses and hashes as case-insensitive `regexp`
//           queries that contain the canonical form and its Unicode spelling. This finds more
//           than the filter would match (`notevil.example` for `evil.example`) and misses what
//           the text does not show (a percent-encoded host, a non-ASCII name in another case).
//
// Either way the query only proposes candidates: hunt-match.ts keeps an event only when the
// filter's own code, on the event's own values, matches it. A query holds at most MAX_CLAUSES
// clauses as Lucene counts them (engines refuse more than 1,024; a `terms` query on an address
// field becomes one clause per address or network, measured on OpenSearch 3.8, while `terms` on a
// keyword and a regexp stay one) and regexps of at most MAX_REGEXP characters
// (index.max_regex_length is 1,000): a larger batch is split.
import { toUnicode } from 'punycode/punycode.es6.js';
import { HUNT_MARKER, huntTerm, mispIndicators, type AttributeSummary, type Datatype, type HuntTerm, type Indicator } from '../../plugin/core/ioc/index.js';
import type { RetroMatch } from '../ops/options.js';

export const KEYS_FIELD = 'misp_enrich.keys';
const MAX_CLAUSES = 900;
const MAX_REGEXP = 900;

/** A configured field: its dotted name in the index and the filter's datatype for it. */
export interface HuntField {
  name: string;
  datatype: Datatype;
}

/** One indicator (attribute) being hunted. */
export interface HuntTarget {
  summary: AttributeSummary;
  indicators: Indicator[];
  terms: HuntTerm[];
  /** Unix ms: events before it are not hunted (the window's start, or the attribute's first_seen). */
  fromMs: number;
}

/** The attributes to hunt, each with its indicators and hunt terms; attributes without an indicator are dropped. */
export function huntTargets(summaries: readonly AttributeSummary[], windowStartMs: number): HuntTarget[] {
  const out: HuntTarget[] = [];
  for (const summary of summaries) {
    const indicators = mispIndicators(summary.type, summary.value)?.indicators ?? [];
    if (indicators.length === 0) continue;
    const firstSeen = summary.first_seen ? Date.parse(summary.first_seen) : NaN;
    out.push({ summary, indicators, terms: indicators.map(huntTerm), fromMs: Number.isFinite(firstSeen) ? Math.max(windowStartMs, firstSeen) : windowStartMs });
  }
  return out;
}

/** Lucene regexp with every character but letters, digits and '_' escaped. */
function literal(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`);
}

/** The canonical form and, for an IDN name, its Unicode spelling. */
function spellings(name: string): string[] {
  if (!name.includes('xn--')) return [name];
  try {
    const unicode = toUnicode(name);
    return unicode === name ? [name] : [name, unicode];
  } catch {
    return [name];
  }
}

/** `prefix(a|b|...)suffix` regexps over the alternatives, each at most MAX_REGEXP characters. */
function regexps(alternatives: readonly string[], prefix: string, suffix: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let length = prefix.length + suffix.length + 2;
  for (const alt of [...new Set(alternatives)].map(literal)) {
    if (current.length > 0 && length + alt.length + 1 > MAX_REGEXP) {
      out.push(`${prefix}(${current.join('|')})${suffix}`);
      current = [];
      length = prefix.length + suffix.length + 2;
    }
    current.push(alt);
    length += alt.length + 1;
  }
  if (current.length > 0) out.push(`${prefix}(${current.join('|')})${suffix}`);
  return out;
}

type Clause = Record<string, unknown>;

function keyClauses(targets: readonly HuntTarget[]): Clause[] {
  const terms = new Set<string>();
  const ranges = new Map<string, [string, string]>();
  for (const t of targets) {
    for (const term of t.terms) {
      if ('term' in term) terms.add(term.term);
      else ranges.set(term.range.join(' '), term.range);
    }
  }
  const out: Clause[] = [];
  if (terms.size > 0) out.push({ terms: { [KEYS_FIELD]: [...terms] } });
  for (const [gte, lte] of ranges.values()) out.push({ range: { [KEYS_FIELD]: { gte, lte } } });
  return out;
}

function regexpClauses(field: string, patterns: string[]): Clause[] {
  return patterns.map((value) => ({ regexp: { [field]: { value, case_insensitive: true, flags: 'NONE' } } }));
}

/** The URL's host, without port (the canonical form is host[:port]/path). */
function urlHost(canonical: string): string {
  const slash = canonical.indexOf('/');
  const authority = slash < 0 ? canonical : canonical.slice(0, slash);
  return authority.startsWith('[') ? authority.slice(1, authority.indexOf(']')) : authority.replace(/:\d+$/, '');
}

function fieldClauses(targets: readonly HuntTarget[], fields: readonly HuntField[]): Clause[] {
  const by = (kind: string) => targets.flatMap((t) => t.indicators.filter((i) => i.kind === kind).map((i) => i.canonical));
  const addresses = by('ip');
  const networks = by('net');
  const domains = by('domain').flatMap(spellings);
  const hostnames = by('hostname').flatMap(spellings);
  const hosts = by('url').map(urlHost).flatMap(spellings);
  const emails = by('email').flatMap((e) => {
    const at = e.lastIndexOf('@');
    return spellings(e.slice(at + 1)).map((d) => `${e.slice(0, at)}@${d}`);
  });
  const out: Clause[] = [];
  for (const f of fields) {
    switch (f.datatype) {
      case 'ip':
        if (addresses.length + networks.length > 0) out.push({ terms: { [f.name]: [...addresses, ...networks] } });
        break;
      case 'domain':
      case 'hostname':
        // An address in a name field is matched as an address (url.domain often holds one).
        if (addresses.length > 0) out.push({ terms: { [f.name]: addresses } });
        if (f.datatype === 'domain' && domains.length > 0) out.push(...regexpClauses(f.name, regexps(domains, '.*', '\\.?')));
        if (hostnames.length > 0) out.push(...regexpClauses(f.name, regexps(hostnames, '', '\\.?')));
        break;
      case 'url':
        if (hosts.length > 0) out.push(...regexpClauses(f.name, regexps(hosts, '.*', '.*')));
        break;
      case 'email':
        if (emails.length > 0) out.push(...regexpClauses(f.name, regexps(emails, '.*', '.*')));
        break;
      default: {
        const hashes = by(f.datatype);
        if (hashes.length > 0) out.push(...regexpClauses(f.name, regexps(hashes, '', '')));
      }
    }
  }
  return out;
}

/** The window's range on @timestamp. */
export function windowFilter(fromMs: number, toMs: number): Clause {
  return { range: { '@timestamp': { gte: new Date(fromMs).toISOString(), lte: new Date(toMs).toISOString(), format: 'strict_date_optional_time' } } };
}

/**
 * What one group of targets asks: by hunt keys (null with --retro-match fields), and by the
 * events' own fields (null with --retro-match keys; with both, only events without the marker,
 * which the filter did not write keys for).
 */
export interface HuntQuery {
  targets: HuntTarget[];
  keys: Clause | null;
  fields: Clause | null;
}

function boolOf(filter: Clause, should: Clause[], mustNot: Clause[] = []): Clause {
  return { bool: { filter: [filter], should, minimum_should_match: 1, ...(mustNot.length > 0 ? { must_not: mustNot } : {}) } };
}

/** Lucene's count of a clause: a `terms` query on an address field is one clause per value. */
function weight(clauses: readonly Clause[], ipFields: ReadonlySet<string>): number {
  let n = 0;
  for (const c of clauses) {
    const terms = c.terms as Record<string, unknown[]> | undefined;
    const field = terms ? Object.keys(terms)[0]! : null;
    n += field !== null && ipFields.has(field) ? terms![field]!.length : 1;
  }
  return n;
}

/** The queries for these targets, or null when one would hold more than MAX_CLAUSES clauses. */
function queryOf(targets: readonly HuntTarget[], fields: readonly HuntField[], match: RetroMatch, toMs: number): HuntQuery | null {
  const range = windowFilter(Math.min(...targets.map((t) => t.fromMs)), toMs);
  const byKeys = match !== 'fields' ? keyClauses(targets) : [];
  const byFields = match !== 'keys' ? fieldClauses(targets, fields) : [];
  const ipFields = new Set(fields.filter((f) => f.datatype === 'ip').map((f) => f.name));
  if (weight(byKeys, ipFields) > MAX_CLAUSES || weight(byFields, ipFields) > MAX_CLAUSES) return null;
  return {
    targets: [...targets],
    keys: byKeys.length > 0 ? boolOf(range, byKeys) : null,
    fields: byFields.length > 0 ? boolOf(range, byFields, match === 'both' ? [{ term: { [KEYS_FIELD]: HUNT_MARKER } }] : []) : null,
  };
}

/** The targets in groups whose queries fit the engine's limits. */
export function huntQueries(targets: readonly HuntTarget[], fields: readonly HuntField[], match: RetroMatch, toMs: number): HuntQuery[] {
  if (targets.length === 0) return [];
  const query = queryOf(targets, fields, match, toMs);
  if (query) return [query];
  if (targets.length === 1) throw new Error(`one indicator needs more than ${MAX_CLAUSES} clauses`);
  const half = Math.ceil(targets.length / 2);
  return [...huntQueries(targets.slice(0, half), fields, match, toMs), ...huntQueries(targets.slice(half), fields, match, toMs)];
}

/** Events the filter wrote no hunt keys for, in the window: what makes an index need the fields query. */
export function unmarkedQuery(fromMs: number, toMs: number): Clause {
  return { bool: { filter: [windowFilter(fromMs, toMs)], must_not: [{ term: { [KEYS_FIELD]: HUNT_MARKER } }] } };
}
