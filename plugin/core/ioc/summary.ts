// What the agent stores under an indicator key, and under META_KEY. Both sides import this
// module, so a field renamed here is renamed for both. Values are JSON; readers tolerate
// missing optional fields and reject anything of another format version.

export const SUMMARY_VERSION = 1;
/** Bounds one memcached value (1 MB item limit) for values that sit in thousands of events. */
export const MAX_ATTRIBUTES_PER_KEY = 100;

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

export function encodeSummary(attrs: AttributeSummary[]): string {
  const kept = attrs.length > MAX_ATTRIBUTES_PER_KEY ? newestFirst(attrs).slice(0, MAX_ATTRIBUTES_PER_KEY) : attrs;
  const summary: IndicatorSummary = { v: SUMMARY_VERSION, attrs: kept };
  if (kept.length < attrs.length) summary.omitted = attrs.length - kept.length;
  return JSON.stringify(summary);
}

function newestFirst(attrs: AttributeSummary[]): AttributeSummary[] {
  return [...attrs].sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
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

function prefixList(x: unknown, max: number): number[] {
  if (!Array.isArray(x)) return [];
  return x.filter((n): n is number => Number.isInteger(n) && n >= 0 && n <= max);
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
