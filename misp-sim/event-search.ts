// /events/restSearch and /events/index over the file-backed events followed by the synthetic
// ones (built one at a time, only when they are looked at). Without an order MISP sends no
// ORDER BY; the simulator answers in id order.
import type { EventQuery } from './event-query.js';
import type { StoreSnapshot } from './event-store.js';
import type { OrderRule } from './find-order.js';
import type { SimAttribute, SimEvent } from './model.js';
import { bindBool, intval, isNumeric, isPhpArray, mysqlNumber, phpEmpty, phpValues, strval, type Php } from './php.js';
import type { SyntheticSource } from './synthetic.js';
import type { TagTable } from './tag-filter.js';
import { resolveTimeDelta } from './time-delta.js';

function allAttributes(e: SimEvent): () => Iterable<SimAttribute> {
  return function* () {
    yield* e.attributes;
    for (const o of e.objects) yield* o.attributes;
  };
}

/** Every event, in id order; synthetic ones with their attributes only when `full`. */
function* everyEvent(store: StoreSnapshot, synthetic: SyntheticSource | null, full: boolean): Generator<SimEvent> {
  yield* store.events;
  if (!synthetic) return;
  for (let j = 0; j < synthetic.eventCount; j++) yield synthetic.event(j, full);
}

function eventSortKey(rule: OrderRule, e: SimEvent): number | string {
  switch (rule.field) {
    case 'Event.id':
      return e.id;
    case 'Event.info':
      return e.info;
    case 'Event.analysis':
      return Number(e.analysis);
    case 'Event.threat_level_id':
      return Number(e.threatLevelId);
    case 'Event.distribution':
      return Number(e.distribution);
    case 'Event.timestamp':
      return e.timestamp;
    default:
      return e.publishTimestamp;
  }
}

function sortEvents(list: SimEvent[], order: readonly OrderRule[]): void {
  list.sort((a, b) => {
    for (const rule of order) {
      const x = eventSortKey(rule, a);
      const y = eventSortKey(rule, b);
      if (x === y) continue;
      const c = x < y ? -1 : 1;
      return rule.descending ? -c : c;
    }
    return a.id - b.id;
  });
}

/** Event::restSearch: the events of the page and MISP's X-Result-Count (the total when paged). */
export function searchEvents(store: StoreSnapshot, synthetic: SyntheticSource | null, q: EventQuery): { count: number; events: SimEvent[] } {
  const selected: SimEvent[] = [];
  for (const e of everyEvent(store, synthetic, q.needsAttributes)) if (q.selects(e, allAttributes(e))) selected.push(e);
  if (q.order) sortEvents(selected, q.order);
  if (q.limit === null) return { count: selected.length, events: selected.map((e) => full(e, synthetic, q.metadata)) };
  const offset = (q.page - 1) * q.limit;
  return { count: selected.length, events: selected.slice(offset, offset + q.limit).map((e) => full(e, synthetic, q.metadata)) };
}

function full(e: SimEvent, synthetic: SyntheticSource | null, metadata: boolean): SimEvent {
  if (metadata || e.file !== '(synthetic)' || e.attributes.length > 0 || !synthetic) return e;
  const j = synthetic.eventIndexOfId(e.id);
  return j >= 0 ? synthetic.event(j, true) : e;
}

export interface IndexQuery {
  /** The condition set matched nothing (MISP answers [] without querying). */
  nothing: boolean;
  passes: (e: SimEvent) => boolean;
  minimal: boolean;
  limit: number | null;
  page: number;
  sort: { field: keyof SimEvent | 'attribute_count'; descending: boolean } | null;
}

const INDEX_PARAMS = ['all', 'attribute', 'published', 'eventid', 'datefrom', 'dateuntil', 'org', 'eventinfo', 'tag', 'tags', 'distribution', 'sharinggroup', 'analysis', 'threatlevel', 'email', 'hasproposal', 'timestamp', 'publishtimestamp', 'publish_timestamp', 'minimal', 'value'];
const SORTABLE: Record<string, keyof SimEvent | 'attribute_count'> = {
  id: 'id', date: 'date', info: 'info', published: 'published', uuid: 'uuid', analysis: 'analysis', attribute_count: 'attribute_count',
  orgc_id: 'orgcId', org_id: 'orgId', timestamp: 'timestamp', distribution: 'distribution', sharing_group_id: 'sharingGroupId',
  threat_level_id: 'threatLevelId', publish_timestamp: 'publishTimestamp', disable_correlation: 'disableCorrelation',
  extends_uuid: 'extendsUuid', locked: 'locked', proposal_email_lock: 'proposalEmailLock',
};

/**
 * EventsController::index for REST clients: body members (or "search"-prefixed ones) become
 * "search…" arguments, read by __setIndexFilterConditions; limit, page, sort and direction page
 * the list (__indexRestResponse).
 */
export function parseIndexQuery(body: unknown, query: URLSearchParams, tags: TagTable, nowSec: number): IndexQuery {
  const args: Record<string, Php> = {};
  let data = isPhpArray(body) && !Array.isArray(body) ? (body as Record<string, Php>) : {};
  if (isPhpArray(data.request) && !Array.isArray(data.request)) data = data.request as Record<string, Php>;
  for (const [k, v] of query) args[k] = v;
  for (const [k, v] of Object.entries(data)) {
    if (v === null) continue;
    if (k.startsWith('search') && INDEX_PARAMS.includes(k.slice(6).toLowerCase())) args[`search${k.slice(6).toLowerCase()}`] = v;
    else if (INDEX_PARAMS.includes(k.toLowerCase())) args[`search${k.toLowerCase()}`] = v;
    else if (['limit', 'page', 'sort', 'direction', 'order'].includes(k)) args[k] = v;
  }
  const preds: ((e: SimEvent) => boolean)[] = [];
  let nothing = false;
  let minimal = false;
  const pieces = (v: Php): string[] => (isPhpArray(v) ? phpValues(v).map(strval) : strval(v).split('|'));
  const timeRange = (v: Php, get: (e: SimEvent) => number): void => {
    const resolve = (x: Php): number => (typeof x === 'number' && Number.isInteger(x) ? x : resolveTimeDelta(x, nowSec));
    if (isPhpArray(v) && Array.isArray(v) && v.length >= 2) {
      const [a, b] = [resolve(v[0]!), resolve(v[1]!)];
      preds.push((e) => get(e) >= a && get(e) <= b);
    } else {
      const a = resolve(v);
      preds.push((e) => get(e) >= a);
    }
  };
  for (const [k, v] of Object.entries(args)) {
    if (!k.startsWith('search')) continue;
    const empty = v === '' || v === null;
    switch (k.slice(6)) {
      case 'published':
        if (v === 2 || v === '2') break;
        if (Array.isArray(v) && v.some((x) => x == 0) && v.some((x) => x == 1)) break;
        {
          const allowed = new Set((isPhpArray(v) ? phpValues(v) : [v]).map(bindBool));
          preds.push((e) => allowed.has(e.published ? 1 : 0));
        }
        break;
      case 'hasproposal':
        // The simulator holds no proposals.
        if (v === 2 || v === '2') break;
        if (!(v == 0)) nothing = true;
        break;
      case 'eventid': {
        if (empty) break;
        const or: string[] = [];
        const not: string[] = [];
        for (const raw of pieces(v)) {
          const p = raw.trim();
          if (p[0] === '!') not.push(p.slice(1));
          else or.push(p);
        }
        preds.push((e) => {
          const match = (p: string): boolean => (p.length === 36 ? e.uuid === p : mysqlNumber(p) === e.id);
          if (or.length > 0 && !or.some(match)) return false;
          return !not.some(match);
        });
        break;
      }
      case 'datefrom':
        if (!empty) preds.push((e) => e.date >= strval(v));
        break;
      case 'dateuntil':
        if (!empty) preds.push((e) => e.date <= strval(v));
        break;
      case 'timestamp':
        if (!empty) timeRange(v, (e) => e.timestamp);
        break;
      case 'publish_timestamp':
      case 'publishtimestamp':
        if (!empty) timeRange(v, (e) => e.publishTimestamp);
        break;
      case 'eventinfo': {
        if (empty) break;
        const inc: string[] = [];
        const exc: string[] = [];
        for (const p of strval(v).split('|')) (p[0] === '!' ? exc : inc).push((p[0] === '!' ? p.slice(1) : p).toLowerCase());
        preds.push((e) => {
          const info = e.info.toLowerCase();
          return (inc.length === 0 || inc.some((s) => info.includes(s))) && !exc.some((s) => info.includes(s));
        });
        break;
      }
      case 'tag':
      case 'tags': {
        if (phpEmpty(v)) break;
        let list = pieces(v);
        let anded = false;
        if (list.length === 1 && list[0]!.includes('&')) {
          list = list[0]!.split('&');
          anded = list.length > 1;
        }
        const lookup = (name: string): string | null => {
          // Tag lookups here are exact (Tag.name = …, or the id when numeric).
          const ids = isNumeric(name) ? [name.trim()] : tags.findIds([name.replace(/[\\%_]/g, '\\$&')]);
          return ids[0] ?? null;
        };
        const block: string[] = [];
        const include: string[] = [];
        let expectOr = false;
        for (const p of list) {
          if (p[0] === '!') {
            const id = lookup(p.slice(1));
            if (id) block.push(id);
          } else {
            expectOr = true;
            const id = lookup(p);
            if (id) include.push(id);
          }
        }
        if (block.length > 0) preds.push((e) => !e.tags.some((t) => block.includes(t.id)));
        if (include.length > 0) {
          preds.push((e) => (anded ? include.every((id) => e.tags.some((t) => t.id === id)) : e.tags.some((t) => include.includes(t.id))));
        } else if (expectOr) nothing = true;
        break;
      }
      case 'distribution':
      case 'analysis':
      case 'threatlevel': {
        if (empty) break;
        const field = k.slice(6) === 'threatlevel' ? 'threatLevelId' : (k.slice(6) as 'distribution' | 'analysis');
        const inc: string[] = [];
        const exc: string[] = [];
        for (const p of pieces(v)) (p[0] === '!' ? exc : inc).push(p[0] === '!' ? p.slice(1) : p);
        preds.push((e) => (inc.length === 0 || inc.some((x) => Number(x) === Number(e[field]))) && !exc.some((x) => Number(x) === Number(e[field])));
        break;
      }
      case 'minimal':
        // Present at all (even 0): only events holding attributes (or reports).
        minimal = !phpEmpty(v);
        preds.push((e) => e.attributeCount > 0);
        break;
      default:
        break;
    }
  }
  const sortRaw = args.sort === undefined ? null : strval(args.sort);
  const field = sortRaw !== null ? SORTABLE[sortRaw] : undefined;
  const dir = args.direction === undefined ? null : strval(args.direction).toUpperCase();
  const limit = args.limit !== undefined && !phpEmpty(args.limit) ? intval(args.limit) : null;
  return {
    nothing,
    passes: (e) => preds.every((p) => p(e)),
    minimal,
    limit: limit && limit > 0 ? limit : null,
    page: Math.max(1, intval(args.page ?? 1)),
    sort: field ? { field, descending: dir === 'DESC' } : null,
  };
}

export function indexEvents(store: StoreSnapshot, synthetic: SyntheticSource | null, q: IndexQuery): { total: number; events: SimEvent[] } {
  if (q.nothing) return { total: 0, events: [] };
  const all: SimEvent[] = [];
  for (const e of everyEvent(store, synthetic, false)) if (q.passes(e)) all.push(e);
  if (q.sort) {
    const f = q.sort.field;
    const key = (e: SimEvent): number | string | boolean => (f === 'attribute_count' ? e.attributeCount : (e[f] as number | string | boolean));
    all.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const c = x === y ? 0 : x < y ? -1 : 1;
      return (q.sort!.descending ? -c : c) || a.id - b.id;
    });
  }
  if (q.limit === null) return { total: all.length, events: all };
  const offset = (q.page - 1) * q.limit;
  return { total: all.length, events: all.slice(offset, offset + q.limit) };
}
