// /events/restSearch, /events/index and /events/view over the file-backed events followed by
// the synthetic ones. Synthetic events are built one at a time, only when they are listed.
import { toBool, toInt } from './coerce.js';
import type { StoreSnapshot } from './event-store.js';
import { inRange, parseTimeRange, parseValueFilter, unwrapBody, type EventQuery, matchValueFilter } from './filters.js';
import type { SimEvent } from './model.js';
import type { SyntheticSource } from './synthetic.js';

/** The part of an events query that decides which events pass (paging and shape aside). */
export type EventFilter = Pick<EventQuery, 'eventid' | 'uuid' | 'tags' | 'published' | 'timestamp' | 'publishTimestamp'>;

function eventPasses(f: EventFilter, e: SimEvent, withAttributeTags: boolean): boolean {
  if (f.published !== null && e.published !== f.published) return false;
  if (f.timestamp && !inRange(f.timestamp, e.timestamp)) return false;
  if (f.publishTimestamp && !inRange(f.publishTimestamp, e.publishTimestamp)) return false;
  if (f.eventid && !matchValueFilter(f.eventid, [String(e.id)])) return false;
  if (f.uuid && !matchValueFilter(f.uuid, [e.uuid])) return false;
  if (f.tags) {
    const names = e.tags.map((t) => t.name);
    // In the events scope MISP's tag filter also selects events holding a tagged attribute.
    if (withAttributeTags) {
      for (const a of e.attributes) for (const t of a.tags) names.push(t.name);
      for (const o of e.objects) for (const a of o.attributes) for (const t of a.tags) names.push(t.name);
    }
    if (!matchValueFilter(f.tags, names)) return false;
  }
  return true;
}

/** Every event passing the filter, in id order, synthetic ones built lazily. */
export function* matchingEvents(
  store: StoreSnapshot,
  synthetic: SyntheticSource | null,
  f: EventFilter,
  withAttributes: boolean,
): Generator<SimEvent> {
  for (const e of store.events) if (eventPasses(f, e, true)) yield e;
  if (!synthetic) return;
  for (let j = 0; j < synthetic.eventCount; j++) {
    const meta = synthetic.event(j, false);
    if (!eventPasses(f, meta, false)) continue;
    yield withAttributes ? synthetic.event(j, true) : meta;
  }
}

export function* pageOf<T>(items: Iterable<T>, limit: number | null, page: number): Generator<T> {
  if (limit === null) {
    yield* items;
    return;
  }
  const offset = (page - 1) * limit;
  let n = 0;
  for (const item of items) {
    if (n >= offset + limit) return;
    if (n >= offset) yield item;
    n++;
  }
}

export function eventFilterOf(q: EventQuery): EventFilter {
  return {
    eventid: q.eventid,
    uuid: q.uuid,
    tags: q.tags,
    published: q.published,
    timestamp: q.timestamp,
    publishTimestamp: q.publishTimestamp,
  };
}

export interface IndexQuery {
  filter: EventFilter;
  minimal: boolean;
  limit: number | null;
  page: number;
  sort: 'id' | 'timestamp' | 'publish_timestamp' | 'date';
  descending: boolean;
}

/**
 * /events/index parameters: MISP's index takes both the "search"-prefixed names of its UI
 * filters and the plain restSearch-like names.
 */
export function parseIndexQuery(body: unknown, query: URLSearchParams, nowSec: number): IndexQuery {
  const p: Record<string, unknown> = { ...Object.fromEntries(query), ...unwrapBody(body) };
  const pick = (...names: string[]): unknown => {
    for (const n of names) if (p[n] !== undefined && p[n] !== '') return p[n];
    return undefined;
  };
  const published = pick('published', 'searchpublished');
  const sortRaw = String(pick('sort') ?? 'timestamp');
  const sort = (['id', 'timestamp', 'publish_timestamp', 'date'] as const).find((s) => s === sortRaw) ?? 'timestamp';
  const limit = toInt(pick('limit'), 0);
  return {
    filter: {
      eventid: parseValueFilter(pick('eventid', 'searcheventid', 'id')),
      uuid: parseValueFilter(pick('uuid', 'searcheventuuid')),
      tags: parseValueFilter(pick('tags', 'tag', 'searchtag')),
      published: published === undefined ? null : toBool(published),
      timestamp: parseTimeRange(pick('timestamp', 'searchtimestamp', 'event_timestamp'), nowSec),
      publishTimestamp: parseTimeRange(pick('publish_timestamp', 'searchpublish_timestamp'), nowSec),
    },
    minimal: toBool(pick('minimal')),
    limit: limit > 0 ? limit : null,
    page: Math.max(1, toInt(pick('page'), 1)),
    sort,
    // MISP's event index lists the most recently changed events first.
    descending: String(pick('direction') ?? 'desc').toLowerCase() !== 'asc',
  };
}

export function indexEvents(store: StoreSnapshot, synthetic: SyntheticSource | null, q: IndexQuery): { total: number; events: SimEvent[] } {
  const all = [...matchingEvents(store, synthetic, q.filter, false)];
  const key = (e: SimEvent): number | string =>
    q.sort === 'id' ? e.id : q.sort === 'publish_timestamp' ? e.publishTimestamp : q.sort === 'date' ? e.date : e.timestamp;
  all.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
    return q.descending ? -c : c;
  });
  return { total: all.length, events: [...pageOf(all, q.limit, q.page)] };
}
