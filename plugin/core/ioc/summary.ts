// What the agent stores under an indicator key, and under META_KEY. Both sides import this
// module, so a field renamed here is renamed for both. Values are JSON; readers tolerate
// missing optional fields and reject anything of another format version.

import { utf8Length } from './utf8.js';

export const SUMMARY_VERSION = 1;
/** Bounds one memcached value (1 MB item limit) for values that sit in thousands of events. */
export const MAX_ATTRIBUTES_PER_KEY = 100;
/**
 * Bounds the encoded value well under memcached's default 1 MiB item size: a value in a hundred
 * heavily tagged events must not become a key the server refuses.
 */
export const MAX_SUMMARY_BYTES = 512 * 1024;
const MAX_TAGS_WHEN_TRIMMED = 50;
const MAX_INFO_WHEN_TRIMMED = 1024;

export interface AttributeSummary {
  uuid: string;
  /** MISP attribute type as stored, e.g. "ip-dst|port". */
  type: string;
  category: string;
  /** The MISP value as stored (the whole composite value, e.g. "evil.com|192.0.2.1"). */
  value: string;
  to_ids: boolean;
  event_id: string;
  event_uuid: string;
  event_info: string;
  /** Attribute tags and the event's tags, names only. */
  tags: string[];
  first_seen?: string;
  last_seen?: string;
  /** Attribute timestamp, seconds since the epoch, as MISP sends it. */
  timestamp?: number;
  /** Name of the event's creator organisation, when the agent knows it. */
  org?: string;
  /** What MISP's decaying model says of the attribute (agent option --decay). */
  decay?: DecaySummary;
  /**
   * Unix seconds at which the attribute stops being an indicator: its decay score falls under
   * the model's threshold, or it leaves the --max-age window. The agent removes it then; a
   * reader treats it as gone from that moment even if the value is still stored.
   */
  expires?: number;
  /**
   * The source the agent read the attribute from, as named in its configuration (--feed,
   * --sources): the enrichment's feed.name. Absent: the agent's main MISP (--misp-url), the one
   * the filter asks for context and reports sightings to (misp_url). A further instance's
   * attribute gets its context from that instance when the filter has it in misp_sources (its
   * event ids are that instance's own); a feed's has its context here, and nothing to fetch.
   */
  source?: string;
  /** True when that source is a MISP feed (no MISP server holds the event). */
  feed?: boolean;
}

/**
 * The decay score of an attribute as MISP computed it (restSearch includeDecayScore), with what
 * it takes to know the score at any later moment. Of several models, the one that keeps the
 * attribute longest: MISP's excludeDecayed drops an attribute only when every model says it
 * decayed (MispAttribute::fetchAttributes).
 */
export interface DecaySummary {
  /** The decaying model's name. */
  model: string;
  /** Score at `since`, 0 to 100: from the tags' numerical values, or the model's default. */
  base_score: number;
  /** Under this score the attribute is decayed (DecayingModelBase::isDecayed: threshold > score). */
  threshold: number;
  /** The score MISP answered, and the Unix second it was computed at. */
  score: number;
  scored_at: number;
  /**
   * For models of MISP's Polynomial formula: the lifetime in seconds, the decay speed and the
   * Unix second the score decays from (the last sighting, else last_seen, else the timestamp).
   * Absent for formulas whose score does not follow the clock (then `score` holds).
   */
  lifetime?: number;
  decay_speed?: number;
  since?: number;
}

/**
 * MISP's Polynomial::computeScore (app/Model/DecayingModelsFormulas/Polynomial.php), the formula
 * of "An indicator scoring method for MISP platforms": base × (1 − (elapsed / lifetime)^(1/speed)),
 * 0 before `since` and never below 0.
 */
export function polynomialScore(base: number, elapsedSeconds: number, lifetimeSeconds: number, decaySpeed: number): number {
  if (elapsedSeconds < 0) return 0;
  if (!(lifetimeSeconds > 0) || !(decaySpeed > 0)) return 0;
  const score = base * (1 - Math.pow(elapsedSeconds / lifetimeSeconds, 1 / decaySpeed));
  return score < 0 ? 0 : score;
}

/**
 * The Unix second from which polynomialScore stays under the threshold (the formula solved for
 * the elapsed time), or null when it never does (a threshold of 0 or less).
 */
export function polynomialExpiry(base: number, threshold: number, since: number, lifetimeSeconds: number, decaySpeed: number): number | null {
  if (!(threshold > 0)) return null;
  if (base <= threshold || !(lifetimeSeconds > 0) || !(decaySpeed > 0)) return since;
  return since + lifetimeSeconds * Math.pow(1 - threshold / base, decaySpeed);
}

/** The decay score at Unix second `now`: the formula's when its parameters are known, else MISP's. */
export function decayScoreAt(d: DecaySummary, now: number): number {
  if (d.lifetime !== undefined && d.decay_speed !== undefined && d.since !== undefined) {
    return polynomialScore(d.base_score, now - d.since, d.lifetime, d.decay_speed);
  }
  return d.score;
}

export interface IndicatorSummary {
  v: typeof SUMMARY_VERSION;
  attrs: AttributeSummary[];
  /** How many attributes were left out by MAX_ATTRIBUTES_PER_KEY. */
  omitted?: number;
}

export interface SyncMeta {
  v: typeof SUMMARY_VERSION;
  /** CIDR prefix lengths present among the stored networks, per family. */
  prefixes: { v4: number[]; v6: number[] };
  agent_version?: string;
  synced_at?: string;
  indicators?: number;
}

function encodeKept(kept: AttributeSummary[], total: number): string {
  const summary: IndicatorSummary = { v: SUMMARY_VERSION, attrs: kept };
  if (kept.length < total) summary.omitted = total - kept.length;
  return JSON.stringify(summary);
}

function tooLarge(json: string): boolean {
  // Cheap test first: a UTF-8 byte is at most 3 per UTF-16 unit.
  return json.length * 3 > MAX_SUMMARY_BYTES && utf8Length(json) > MAX_SUMMARY_BYTES;
}

/** The value stored under an indicator key; over a bound, the oldest attributes are left out first. */
export function encodeSummary(attrs: AttributeSummary[]): string {
  let kept = attrs.length > MAX_ATTRIBUTES_PER_KEY ? newestFirst(attrs).slice(0, MAX_ATTRIBUTES_PER_KEY) : attrs;
  let json = encodeKept(kept, attrs.length);
  if (!tooLarge(json)) return json;
  kept = newestFirst(kept);
  while (kept.length > 1 && tooLarge(json)) {
    kept = kept.slice(0, Math.ceil(kept.length / 2));
    json = encodeKept(kept, attrs.length);
  }
  if (tooLarge(json)) {
    // One attribute alone is too large: its tags and event info are what can grow without bound.
    const a = kept[0]!;
    kept = [{ ...a, tags: a.tags.slice(0, MAX_TAGS_WHEN_TRIMMED), event_info: a.event_info.slice(0, MAX_INFO_WHEN_TRIMMED) }];
    json = encodeKept(kept, attrs.length);
  }
  return json;
}

function newestFirst(attrs: AttributeSummary[]): AttributeSummary[] {
  return [...attrs].sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

function isNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A stored decay record, or undefined when it is not one (an older or foreign writer). */
function readDecay(x: unknown): DecaySummary | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const d = x as Record<string, unknown>;
  if (!isString(d.model) || !isNumber(d.base_score) || !isNumber(d.threshold) || !isNumber(d.score) || !isNumber(d.scored_at)) return undefined;
  const out: DecaySummary = { model: d.model, base_score: d.base_score, threshold: d.threshold, score: d.score, scored_at: d.scored_at };
  if (isNumber(d.lifetime) && isNumber(d.decay_speed) && isNumber(d.since)) {
    out.lifetime = d.lifetime;
    out.decay_speed = d.decay_speed;
    out.since = d.since;
  }
  return out;
}

function readAttribute(x: unknown): AttributeSummary | null {
  if (!x || typeof x !== 'object') return null;
  const a = x as Record<string, unknown>;
  if (!isString(a.uuid) || !isString(a.type) || !isString(a.value) || !isString(a.event_id)) return null;
  const out: AttributeSummary = {
    uuid: a.uuid,
    type: a.type,
    category: isString(a.category) ? a.category : '',
    value: a.value,
    to_ids: a.to_ids === true,
    event_id: a.event_id,
    event_uuid: isString(a.event_uuid) ? a.event_uuid : '',
    event_info: isString(a.event_info) ? a.event_info : '',
    tags: Array.isArray(a.tags) ? a.tags.filter(isString) : [],
  };
  if (isString(a.first_seen)) out.first_seen = a.first_seen;
  if (isString(a.last_seen)) out.last_seen = a.last_seen;
  if (typeof a.timestamp === 'number') out.timestamp = a.timestamp;
  if (isString(a.org)) out.org = a.org;
  const decay = readDecay(a.decay);
  if (decay) out.decay = decay;
  if (isNumber(a.expires)) out.expires = a.expires;
  if (isString(a.source) && a.source !== '') out.source = a.source;
  if (a.feed === true) out.feed = true;
  return out;
}

/** A JSON object of this format version, or null for anything else. */
function parseVersioned(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const obj = parsed as Record<string, unknown>;
  return obj.v === SUMMARY_VERSION ? obj : null;
}

/** The summary in a memcached value, or null if the value is not one (counted by the caller). */
export function decodeSummary(text: string): IndicatorSummary | null {
  const s = parseVersioned(text);
  if (!s || !Array.isArray(s.attrs)) return null;
  const attrs = s.attrs.map(readAttribute).filter((a): a is AttributeSummary => a !== null);
  if (attrs.length === 0) return null;
  const out: IndicatorSummary = { v: SUMMARY_VERSION, attrs };
  if (typeof s.omitted === 'number') out.omitted = s.omitted;
  return out;
}

/** The prefix lengths in use, ascending and each once (the agent writes them so; the key generation relies on it). */
function prefixList(x: unknown, max: number): number[] {
  if (!Array.isArray(x)) return [];
  const lengths = x.filter((n): n is number => Number.isInteger(n) && n >= 0 && n <= max).sort((a, b) => a - b);
  return lengths.filter((n, i) => i === 0 || n !== lengths[i - 1]);
}

export function encodeMeta(meta: Omit<SyncMeta, 'v'>): string {
  return JSON.stringify({ v: SUMMARY_VERSION, ...meta });
}

export function decodeMeta(text: string): SyncMeta | null {
  const m = parseVersioned(text);
  if (!m) return null;
  const p = (m.prefixes ?? {}) as Record<string, unknown>;
  const out: SyncMeta = {
    v: SUMMARY_VERSION,
    prefixes: { v4: prefixList(p.v4, 32), v6: prefixList(p.v6, 128) },
  };
  if (isString(m.agent_version)) out.agent_version = m.agent_version;
  if (isString(m.synced_at)) out.synced_at = m.synced_at;
  if (typeof m.indicators === 'number') out.indicators = m.indicators;
  return out;
}
