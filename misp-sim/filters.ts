// restSearch parameters, parsed once per request into a query that both the file-backed and the
// synthetic attribute sources evaluate. Semantics follow MISP's AppModel filters: a value filter
// is a string, a list, or {"OR":[],"AND":[],"NOT":[]}; "!" negates an entry; "%" is SQL LIKE's
// wildcard; comparisons are case-insensitive (MySQL's default collation).
import { isRecord, toBool, toInt } from './coerce.js';

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface ValueFilter {
  or: RegExp[];
  and: RegExp[];
  not: RegExp[];
  /** The OR values when the filter is nothing but exact values (lets searches jump to them). */
  exact: string[] | null;
}

export interface TimeRange {
  from: number | null;
  to: number | null;
}

export interface AttributeQuery {
  type: ValueFilter | null;
  category: ValueFilter | null;
  value: ValueFilter | null;
  eventid: ValueFilter | null;
  uuid: ValueFilter | null;
  objectRelation: ValueFilter | null;
  tags: ValueFilter | null;
  toIds: boolean | null;
  published: boolean | null;
  timestamp: TimeRange | null;
  eventTimestamp: TimeRange | null;
  publishTimestamp: TimeRange | null;
  /** Which values of the deleted flag are returned: MISP's default is [false]. */
  deleted: { live: boolean; deleted: boolean };
  includeEventTags: boolean;
  includeEventUuid: boolean;
  enforceWarninglist: boolean;
  limit: number | null;
  page: number;
  returnFormat: string;
}

/** MISP compares with LIKE only when the value holds a "%", and with "=" otherwise. */
function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = pattern.includes('%') ? escaped.replace(/%/g, '.*').replace(/_/g, '.') : escaped;
  return new RegExp(`^${body}$`, 'is');
}

function entries(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap(entries);
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  return [];
}

/** Parses a MISP value filter; null when the parameter is absent or empty (no filtering). */
export function parseValueFilter(v: unknown): ValueFilter | null {
  const f: ValueFilter = { or: [], and: [], not: [], exact: null };
  const exact: string[] = [];
  let onlyExact = true;
  const addLoose = (e: string): void => {
    if (e.startsWith('!')) {
      f.not.push(likeToRegExp(e.slice(1)));
      onlyExact = false;
    } else {
      f.or.push(likeToRegExp(e));
      if (e.includes('%')) onlyExact = false;
      exact.push(e);
    }
  };
  if (isRecord(v)) {
    for (const [key, val] of Object.entries(v)) {
      const k = key.toUpperCase();
      const list = entries(val);
      if (k === 'OR') list.forEach(addLoose);
      else if (k === 'AND') list.forEach((e) => f.and.push(likeToRegExp(e)));
      else if (k === 'NOT') list.forEach((e) => f.not.push(likeToRegExp(e.replace(/^!/, ''))));
    }
    if (f.and.length + f.not.length > 0) onlyExact = false;
  } else {
    entries(v).forEach(addLoose);
  }
  if (onlyExact && exact.length > 0) f.exact = exact;
  return f.or.length + f.and.length + f.not.length === 0 ? null : f;
}

/** True when the candidate strings (one field's value, or an attribute's tag names) pass. */
export function matchValueFilter(f: ValueFilter, candidates: readonly string[]): boolean {
  const any = (re: RegExp): boolean => candidates.some((c) => re.test(c));
  if (f.or.length > 0 && !f.or.some(any)) return false;
  if (!f.and.every(any)) return false;
  if (f.not.some(any)) return false;
  return true;
}

/** MISP's resolveTimeDelta: a unix timestamp, a relative "7d"/"12h"/"30m"/"45s", or a date. */
export function parseTimePoint(v: unknown, nowSec: number): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v !== 'string') throw new QueryError(`invalid time value ${JSON.stringify(v)}`);
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number.parseInt(s, 10);
  const rel = /^(\d+)([dhms])$/i.exec(s);
  if (rel) {
    const unit = { d: 86400, h: 3600, m: 60, s: 1 }[rel[2]!.toLowerCase() as 'd' | 'h' | 'm' | 's'];
    return nowSec - Number.parseInt(rel[1]!, 10) * unit;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new QueryError(`invalid time value ${JSON.stringify(v)}`);
  return Math.floor(t / 1000);
}

/** A single value means "at or after"; [from, to] bounds both ends, as MISP's timestamp filters do. */
export function parseTimeRange(v: unknown, nowSec: number): TimeRange | null {
  if (v === null || v === undefined || v === '' || v === false) return null;
  if (Array.isArray(v)) {
    const from = parseTimePoint(v[0], nowSec);
    const to = v.length > 1 ? parseTimePoint(v[1], nowSec) : null;
    return from === null && to === null ? null : { from, to };
  }
  const from = parseTimePoint(v, nowSec);
  return from === null ? null : { from, to: null };
}

export function inRange(r: TimeRange, t: number): boolean {
  return (r.from === null || t >= r.from) && (r.to === null || t <= r.to);
}

function optionalBool(v: unknown): boolean | null {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) {
    // [0,1] means "either", as MISP treats a list of allowed values.
    const set = new Set(v.map((x) => toBool(x)));
    return set.size === 1 ? [...set][0]! : null;
  }
  if (v === 'exclude') return false;
  return toBool(v);
}

function parseDeleted(v: unknown): { live: boolean; deleted: boolean } {
  if (v === undefined || v === null || v === '' || v === false) return { live: true, deleted: false };
  const values = (Array.isArray(v) ? v : [v]).map((x) => (x === 'only' ? true : toBool(x)));
  return { live: values.includes(false), deleted: values.includes(true) };
}

function positiveInt(v: unknown, name: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = toInt(v, Number.NaN);
  if (!Number.isFinite(n) || n < 0) throw new QueryError(`invalid ${name} ${JSON.stringify(v)}`);
  return n;
}

/** MISP accepts the filters at the top level or wrapped in {"request": {...}}. */
export function unwrapBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) return {};
  if (isRecord(body.request)) return body.request;
  return body;
}

export function parseAttributeQuery(body: unknown, nowSec: number): AttributeQuery {
  const p = unwrapBody(body);
  const limit = positiveInt(p.limit, 'limit');
  const page = positiveInt(p.page, 'page');
  return {
    type: parseValueFilter(p.type),
    category: parseValueFilter(p.category),
    value: parseValueFilter(p.value),
    eventid: parseValueFilter(p.eventid ?? p.event_id),
    uuid: parseValueFilter(p.uuid),
    objectRelation: parseValueFilter(p.object_relation),
    tags: parseValueFilter(p.tags ?? p.tag),
    toIds: optionalBool(p.to_ids),
    published: optionalBool(p.published),
    timestamp: parseTimeRange(p.timestamp ?? p.attribute_timestamp, nowSec),
    eventTimestamp: parseTimeRange(p.event_timestamp, nowSec),
    publishTimestamp: parseTimeRange(p.publish_timestamp, nowSec),
    deleted: parseDeleted(p.deleted),
    includeEventTags: toBool(p.includeEventTags),
    includeEventUuid: toBool(p.includeEventUuid),
    enforceWarninglist: toBool(p.enforceWarninglist),
    // limit 0 means "no limit" in MISP's paginator.
    limit: limit === 0 ? null : limit,
    page: page === null || page === 0 ? 1 : page,
    returnFormat: typeof p.returnFormat === 'string' ? p.returnFormat : 'json',
  };
}

export interface EventQuery {
  eventid: ValueFilter | null;
  uuid: ValueFilter | null;
  tags: ValueFilter | null;
  published: boolean | null;
  timestamp: TimeRange | null;
  publishTimestamp: TimeRange | null;
  metadata: boolean;
  includeDeleted: boolean;
  limit: number | null;
  page: number;
  returnFormat: string;
}

export function parseEventQuery(body: unknown, nowSec: number): EventQuery {
  const p = unwrapBody(body);
  const limit = positiveInt(p.limit, 'limit');
  const page = positiveInt(p.page, 'page');
  const deleted = parseDeleted(p.deleted);
  return {
    eventid: parseValueFilter(p.eventid ?? p.id),
    uuid: parseValueFilter(p.uuid),
    tags: parseValueFilter(p.tags ?? p.tag),
    published: optionalBool(p.published),
    // In the events scope "timestamp" is the event's own timestamp; event_timestamp is an alias.
    timestamp: parseTimeRange(p.timestamp ?? p.event_timestamp, nowSec),
    publishTimestamp: parseTimeRange(p.publish_timestamp, nowSec),
    metadata: toBool(p.metadata),
    includeDeleted: deleted.deleted,
    limit: limit === 0 ? null : limit,
    page: page === null || page === 0 ? 1 : page,
    returnFormat: typeof p.returnFormat === 'string' ? p.returnFormat : 'json',
  };
}
