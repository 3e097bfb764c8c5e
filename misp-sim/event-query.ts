// /events/restSearch parameters, following Event::restSearch: Event::filterEventIds picks the
// events (Event-scope conditions, and for each attribute-level parameter a subquery "the event
// has an attribute — soft-deleted ones included — satisfying it"), then Event::fetchEvent
// builds them, filtering the attributes inside by to_ids and deleted and dropping top-level
// attributes that carry a rejected tag (blockedAttributeTags).
import { COLUMNS, type QueryContext } from './attribute-query.js';
import { compileEventIdFilter } from './event-id-filter.js';
import { EVENT_ORDER_FIELDS, findOrder, type OrderRule } from './find-order.js';
import { compileGeneric, convertFilters, type Column } from './generic-filter.js';
import type { SimAttribute, SimEvent, SimTag } from './model.js';
import { bindBool, compressIpv6, intval, isNumeric, isPhpArray, mysqlNumber, phpEmpty, phpValues, strval, type Php } from './php.js';
import type { Params } from './rest-params.js';
import { RealView, type AttrView } from './rows.js';
import { resolveTagFilter } from './tag-filter.js';
import { timestampBounds, within } from './time-delta.js';

export interface EventQuery {
  /** Whether an event is selected (filterEventIds). */
  selects: (e: SimEvent, attributes: () => Iterable<SimAttribute>) => boolean;
  /** Which attributes fetchEvent keeps inside a selected event. */
  keepsAttribute: (a: SimAttribute, topLevel: boolean) => boolean;
  keepsObject: (deleted: boolean) => boolean;
  metadata: boolean;
  limit: number | null;
  page: number;
  order: OrderRule[] | null;
  /** Whether an attribute-level filter needs the event's attributes to decide. */
  needsAttributes: boolean;
}

type EP = (e: SimEvent, attributes: () => Iterable<SimAttribute>) => boolean;

const eventCol = <T extends Column<SimEvent>>(c: T): T => c;
const EVENT_COLUMNS = {
  info: eventCol({ kind: 'bin', get: (e) => e.info }),
  orgc: eventCol({ kind: 'int', get: (e) => e.orgcId }),
  sharingGroup: eventCol({ kind: 'int', get: (e) => e.sharingGroupId }),
} satisfies Record<string, Column<SimEvent>>;

function hasTag(tags: readonly SimTag[], ids: Set<string>): boolean {
  return tags.some((t) => ids.has(t.id));
}

export function compileEventQuery(params: Params, ctx: QueryContext): EventQuery {
  const preds: EP[] = [];
  const attrPreds: ((v: AttrView) => boolean)[] = [];
  const set = (name: string): boolean => params[name] !== undefined && params[name] !== false;
  // Event::restSearchFilterMassage: "tag" stands for "tags" when "tags" is absent.
  const tagsParam = params.tags ?? params.tag;
  let blocked: Set<string> | null = null;

  if (set('eventid') && !phpEmpty(params.eventid) && params.eventid !== 'all') {
    const { matches } = compileEventIdFilter(params.eventid!);
    preds.push((e) => matches(e));
  }
  if (set('eventinfo') && !phpEmpty(params.eventinfo)) {
    const p = compileGeneric(convertFilters(params.eventinfo!), [EVENT_COLUMNS.info]);
    if (p) preds.push((e) => p(e));
  }
  for (const key of ['tags', 'event_tags'] as const) {
    const raw = key === 'tags' ? tagsParam : params.event_tags;
    if (raw === undefined || raw === false || phpEmpty(raw)) continue;
    const f = resolveTagFilter(raw, ctx.tags);
    if (!f) continue;
    const withAttributes = key === 'tags';
    // MispAttribute::set_filter_tags, Event scope: a wanted tag on the event or (for "tags") on
    // any of its attributes; an unwanted one only on the event itself.
    preds.push((e, attrs) => {
      if (f.nothing) return false;
      const onAttr = (ids: Set<string>): boolean => {
        if (!withAttributes) return false;
        for (const a of attrs()) if (hasTag(a.tags, ids)) return true;
        return false;
      };
      if (f.any && !hasTag(e.tags, f.any) && !onAttr(f.any)) return false;
      if (f.none && hasTag(e.tags, f.none)) return false;
      if (f.all) for (const id of f.all) if (!hasTag(e.tags, new Set([id])) && !onAttr(new Set([id]))) return false;
      return true;
    });
    if (f.none && withAttributes) {
      // The rejected ids stay in $params['tags']['NOT']: the Attribute scope then wants an
      // attribute without them, and restSearch hands them to fetchEvent as blockedAttributeTags.
      const none = f.none;
      attrPreds.push((v) => !hasTag(v.tags(), none));
      blocked = none;
    }
  }
  const timeFilters: [string, (e: SimEvent) => number][] = [
    ['last', (e) => e.publishTimestamp],
    ['timestamp', (e) => e.timestamp],
    ['event_timestamp', (e) => e.timestamp],
    ['publish_timestamp', (e) => e.publishTimestamp],
  ];
  for (const [name, get] of timeFilters) {
    if (!set(name)) continue;
    const b = timestampBounds(params[name]!, ctx.nowSec);
    preds.push((e) => within(b, get(e)));
  }
  for (const [name, cmp] of [['from', (d: string, x: string) => d >= x], ['to', (d: string, x: string) => d <= x]] as const) {
    if (!set(name)) continue;
    const raw = params[name]!;
    const bound = isNumeric(raw) ? new Date(Math.trunc(Number(strval(raw).trim())) * 1000).toISOString().slice(0, 10) : strval(raw);
    preds.push((e) => cmp(e.date, bound));
  }
  if (set('org') && !phpEmpty(params.org)) {
    const f = convertFilters(params.org!);
    const list = (x: Php | undefined): Php[] => (x === undefined ? [] : isPhpArray(x) ? phpValues(x) : [x]);
    const p = compileGeneric(
      {
        OR: f.OR === undefined ? undefined : list(f.OR).map((o) => (isNumeric(o) ? o : (ctx.orgIdByNameOrUuid(strval(o)) ?? -1))),
        NOT: f.NOT === undefined ? undefined : list(f.NOT).flatMap((o) => (isNumeric(o) ? [o] : (ctx.orgIdByNameOrUuid(strval(o)) ?? []))),
        AND: f.AND,
      },
      [EVENT_COLUMNS.orgc],
    );
    if (p) preds.push((e) => p(e));
  }
  if (set('uuid') && !phpEmpty(params.uuid)) {
    // Event::set_filter_uuid, Event scope: the event's uuid or one of its attributes'.
    const f = convertFilters(params.uuid!);
    const list = (x: Php | undefined): Set<string> => new Set(x === undefined || phpEmpty(x) ? [] : (isPhpArray(x) ? phpValues(x) : [x]).map(strval));
    const or = list(f.OR);
    const not = list(f.NOT);
    preds.push((e, attrs) => {
      const attrHas = (s: Set<string>): boolean => {
        for (const a of attrs()) if (s.has(a.uuid)) return true;
        return false;
      };
      if (or.size > 0 && !or.has(e.uuid) && !attrHas(or)) return false;
      if (not.size > 0 && (not.has(e.uuid) || attrHas(not))) return false;
      return true;
    });
  }
  if (set('published') && !(Array.isArray(params.published) && params.published.length === 2 && params.published[0] === true && params.published[1] === false)) {
    const allowed = new Set((isPhpArray(params.published!) ? phpValues(params.published!) : [params.published!]).map(bindBool));
    preds.push((e) => allowed.has(e.published ? 1 : 0));
  }
  if (set('threat_level_id')) {
    const values = (isPhpArray(params.threat_level_id!) ? phpValues(params.threat_level_id!) : [params.threat_level_id!]).map(mysqlNumber);
    preds.push((e) => values.includes(Number(e.threatLevelId)));
  }
  if (set('sharinggroup') && !phpEmpty(params.sharinggroup)) {
    const p = compileGeneric(convertFilters(params.sharinggroup!), [EVENT_COLUMNS.sharingGroup]);
    if (p) preds.push((e) => p(e));
  }
  // The Attribute scope: each parameter is its own "has an attribute such that" subquery.
  if (set('value') && !phpEmpty(params.value)) {
    const f = convertFilters(params.value!);
    const fix = (x: Php | undefined, negated: boolean): Php | undefined =>
      x === undefined
        ? undefined
        : (isPhpArray(x) ? phpValues(x) : [x]).map((item) => {
            let v = negated ? [...strval(item)].slice(1).join('') : item;
            if (typeof v === 'string' && v.includes(':')) v = compressIpv6(v) ?? v;
            return negated ? `!${strval(v)}` : v;
          });
    const p = compileGeneric({ OR: fix(f.OR, false), AND: fix(f.AND, false), NOT: fix(f.NOT, true) }, [COLUMNS.value1, COLUMNS.value2]);
    if (p) attrPreds.push(p);
  }
  if (set('category') && !phpEmpty(params.category)) {
    const p = compileGeneric(convertFilters(params.category!), [COLUMNS.category]);
    if (p) attrPreds.push(p);
  }
  if (set('object_relation') && !phpEmpty(params.object_relation)) {
    const p = compileGeneric(convertFilters(params.object_relation!), [COLUMNS.objectRelation]);
    if (p) attrPreds.push(p);
  }
  if (set('type') && !phpEmpty(params.type)) {
    const f = convertFilters(params.type!);
    for (const op of ['OR', 'NOT'] as const) {
      const l = f[op];
      if (l === undefined || !isPhpArray(l)) continue;
      const items = phpValues(l);
      if ((items.includes('email-src') || items.includes('email-dst')) && !items.includes('email')) f[op] = [...items, 'email'];
    }
    const p = compileGeneric(f, [COLUMNS.type]);
    if (p) attrPreds.push(p);
  }
  if (set('deleted')) {
    const p = compileGeneric(convertFilters(params.deleted!), [COLUMNS.deleted]);
    if (p) attrPreds.push(p);
  }
  if (set('to_ids')) {
    const raw = params.to_ids === 'exclude' ? 0 : params.to_ids!;
    const allowed = new Set((isPhpArray(raw) ? phpValues(raw) : [raw]).map(bindBool));
    attrPreds.push((v) => allowed.has(v.toIds() ? 1 : 0));
  }
  for (const p of attrPreds) {
    preds.push((_e, attrs) => {
      const view = new RealView();
      for (const a of attrs()) if (p(view.at(a))) return true;
      return false;
    });
  }

  // fetchEvent: to_ids filters the attributes shown (when non-empty, or the integer 0); deleted
  // ("only" = 1, each value cast to int) selects soft-deleted ones, live ones otherwise.
  const toIds = params.to_ids === 'exclude' ? 0 : params.to_ids;
  const toIdsInside = toIds !== undefined && (!phpEmpty(toIds) || toIds === 0) ? new Set((isPhpArray(toIds) ? phpValues(toIds) : [toIds]).map(bindBool)) : null;
  let deletedInside: Set<number> | null = new Set([0]);
  if (params.deleted !== undefined) {
    const list = (isPhpArray(params.deleted) ? phpValues(params.deleted) : [params.deleted]).map((d) => (d === 'only' ? 1 : intval(d)));
    // The admin key has perm_sync: both values mean no condition at all.
    deletedInside = list.includes(0) && list.includes(1) ? null : new Set(list);
  }
  const blockedTags = blocked as Set<string> | null;
  const limit = params.limit !== undefined && !phpEmpty(params.limit) ? Math.max(0, intval(params.limit)) || null : null;
  return {
    selects: (e, attrs) => preds.every((p) => p(e, attrs)),
    keepsAttribute: (a, topLevel) => {
      if (toIdsInside && !toIdsInside.has(a.toIds ? 1 : 0)) return false;
      if (deletedInside && !deletedInside.has(a.deleted ? 1 : 0)) return false;
      if (topLevel && blockedTags && hasTag(a.tags, blockedTags)) return false;
      return true;
    },
    keepsObject: (deleted) => !deletedInside || deletedInside.has(deleted ? 1 : 0),
    metadata: !phpEmpty(params.metadata),
    limit,
    page: params.page !== undefined ? Math.max(1, intval(params.page)) : 1,
    order: !phpEmpty(params.order) ? findOrder(params.order!, 'Event', EVENT_ORDER_FIELDS) : null,
    needsAttributes: attrPreds.length > 0 || (tagsParam !== undefined && !phpEmpty(tagsParam)) || (set('uuid') && !phpEmpty(params.uuid)),
  };
}
