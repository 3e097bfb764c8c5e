// /attributes/restSearch parameters compiled into one predicate over AttrView, following
// MispAttribute::restSearch → buildFilterConditions (the set_filter_* functions of Event and
// MispAttribute) → fetchAttributes, plus the hints a synthetic scan uses to skip rows.
import { compileGeneric, convertFilters, plainOrValues, type Column } from './generic-filter.js';
import { compileEventIdFilter } from './event-id-filter.js';
import { ATTRIBUTE_ORDER_FIELDS, findOrder, type OrderRule } from './find-order.js';
import { bindBool, compressIpv6, intval, isNumeric, isPhpArray, mysqlNumber, phpEmpty, phpValues, strval, type Php } from './php.js';
import type { Params } from './rest-params.js';
import type { AttrView } from './rows.js';
import { attributePassesTags, resolveTagFilter, type TagTable } from './tag-filter.js';
import { resolveTimeDelta, timestampBounds, within, type Bounds } from './time-delta.js';

export interface QueryContext {
  nowSec: number;
  tags: TagTable;
  /** Whether some event has one of these uuids (MispAttribute::set_filter_uuid's pre-lookup). */
  eventUuidExists: (uuids: readonly string[]) => boolean;
  /** Organisation id by name or uuid (Event::set_filter_org). */
  orgIdByNameOrUuid: (v: string) => string | null;
}

export interface AttributeQuery {
  predicate: (v: AttrView) => boolean;
  /** Hints for synthetic scans (necessary conditions already inside the predicate). */
  timestampFrom: number | null;
  eventIds: number[] | null;
  values: string[] | null;
  includeEventTags: boolean;
  includeEventUuid: boolean;
  includeContext: boolean;
  includeAllTags: boolean;
  enforceWarninglist: boolean;
  limit: number | null;
  page: number;
  order: OrderRule[] | null;
  returnFormat: string;
}

type P = (v: AttrView) => boolean;
const col = <T extends Column<AttrView>>(c: T): T => c;
export const COLUMNS = {
  value1: col({ kind: 'ci', get: (v) => v.value1() }),
  value2: col({ kind: 'ci', get: (v) => v.value2() }),
  type: col({ kind: 'ci', get: (v) => v.type() }),
  category: col({ kind: 'bin', get: (v) => v.category() }),
  objectRelation: col({ kind: 'bin', get: (v) => v.objectRelation() }),
  deleted: col({ kind: 'bool', get: (v) => v.deleted() }),
  objectDeleted: col({ kind: 'bool', get: (v) => v.objectDeleted() }),
  eventInfo: col({ kind: 'bin', get: (v) => v.event().info }),
  eventOrgc: col({ kind: 'int', get: (v) => v.event().orgcId }),
  eventSharingGroup: col({ kind: 'int', get: (v) => v.event().sharingGroupId }),
  sharingGroup: col({ kind: 'int', get: (v) => v.sharingGroupId() }),
} satisfies Record<string, Column<AttrView>>;

/** `Column = value` with a scalar or `IN (…)` with a list, the value bound for a tinyint(1). */
function boolEquals(raw: Php, get: (v: AttrView) => boolean): P {
  const values = isPhpArray(raw) ? phpValues(raw) : [raw];
  // An empty list binds as "IS NULL": nothing matches.
  const allowed = new Set(values.map(bindBool));
  return (v) => allowed.has(get(v) ? 1 : 0);
}

function intEquals(raw: Php, get: (v: AttrView) => string | number): P {
  const values = (isPhpArray(raw) ? phpValues(raw) : [raw]).map(mysqlNumber);
  return (v) => values.includes(mysqlNumber(get(v)));
}

function bounded(b: Bounds, get: (v: AttrView) => number): P {
  return (v) => within(b, get(v));
}

/** Event::set_filter_value: IPv6 values compressed; "!" values lose their first character twice. */
function valueFilter(raw: Php): ReturnType<typeof convertFilters> {
  const f = convertFilters(raw);
  const fix = (list: Php | undefined, negated: boolean): Php | undefined => {
    if (list === undefined) return undefined;
    const items = isPhpArray(list) ? phpValues(list) : [list];
    return items.map((item) => {
      // convert_filters already removed the "!", and set_filter_value removes one more
      // character (mb_substr($v, 1)) before putting a "!" back: a negated value never matches
      // what it names.
      let v = negated ? [...strval(item)].slice(1).join('') : item;
      if (typeof v === 'string' && v.includes(':')) v = compressIpv6(v) ?? v;
      return negated ? `!${strval(v)}` : v;
    });
  };
  return { OR: fix(f.OR, false), AND: fix(f.AND, false), NOT: fix(f.NOT, true) };
}

/** Event::set_filter_type: a filter naming email-src or email-dst also takes "email". */
function typeFilter(raw: Php): ReturnType<typeof convertFilters> {
  const f = convertFilters(raw);
  for (const op of ['OR', 'NOT'] as const) {
    const list = f[op];
    if (list === undefined || phpEmpty(list) || !isPhpArray(list)) continue;
    const items = phpValues(list);
    if ((items.includes('email-src') || items.includes('email-dst')) && !items.includes('email')) f[op] = [...items, 'email'];
  }
  return f;
}

function seenMicros(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t * 1000;
}

/** MispAttribute::setTimestampSeenConditions (first_seen/last_seen are stored in microseconds). */
function seenFilter(raw: Php, nowSec: number, get: (v: AttrView) => string | null, lowerForSingle: boolean): P {
  let lo: number | null = null;
  let hi: number | null = null;
  if (isPhpArray(raw)) {
    const items = phpValues(raw);
    let a = intval(resolveTimeDelta(items[0] ?? null, nowSec)) * 1e6;
    let b = intval(resolveTimeDelta(items[1] ?? null, nowSec)) * 1e6;
    if (a > b) [a, b] = [b, a];
    lo = a;
    hi = b;
  } else {
    const t = intval(resolveTimeDelta(raw, nowSec)) * 1e6;
    if (lowerForSingle) lo = t;
    else hi = t;
  }
  return (v) => {
    const s = seenMicros(get(v));
    return s !== null && (lo === null || s >= lo) && (hi === null || s <= hi);
  };
}

/** Event::set_filter_date's Y-m-d bounds for from/to: a number is a unix time, text compares as a date. */
function dateBound(raw: Php): string {
  return isNumeric(raw) ? new Date(Math.trunc(Number(strval(raw).trim())) * 1000).toISOString().slice(0, 10) : strval(raw);
}

export function compileAttributeQuery(params: Params, ctx: QueryContext): AttributeQuery {
  const preds: { cost: number; p: P }[] = [];
  const add = (cost: number, p: P | null): void => {
    if (p) preds.push({ cost, p });
  };
  // buildFilterConditions skips a parameter that is false.
  const set = (name: string): boolean => params[name] !== undefined && params[name] !== false;
  let timestampFrom: number | null = null;
  let eventIds: number[] | null = null;
  let values: string[] | null = null;

  if (set('value') && !phpEmpty(params.value)) {
    const f = valueFilter(params.value!);
    add(50, compileGeneric(f, [COLUMNS.value1, COLUMNS.value2]));
    const plain = plainOrValues(f);
    if (plain) values = plain.map(strval);
  }
  for (const name of ['value1', 'value2'] as const) {
    if (set(name) && !phpEmpty(params[name])) add(50, compileGeneric(convertFilters(params[name]!), [COLUMNS[name]]));
  }
  if (set('category') && !phpEmpty(params.category)) add(5, compileGeneric(convertFilters(params.category!), [COLUMNS.category]));
  if (set('object_relation') && !phpEmpty(params.object_relation)) add(5, compileGeneric(convertFilters(params.object_relation!), [COLUMNS.objectRelation]));
  if (set('type') && !phpEmpty(params.type)) add(2, compileGeneric(typeFilter(params.type!), [COLUMNS.type]));
  if (set('tags') && !phpEmpty(params.tags)) {
    const f = resolveTagFilter(params.tags!, ctx.tags);
    if (f) add(10, (v) => attributePassesTags(f, v.tags(), v.event().tags));
  }
  if (set('uuid') && !phpEmpty(params.uuid)) add(8, uuidFilter(params.uuid!, ctx));
  if (set('deleted')) {
    const f = convertFilters(params.deleted!);
    add(1, compileGeneric(f, [COLUMNS.deleted]));
    // The Object scope's set_filter_deleted: Object.deleted, unless the attribute has no object.
    add(1, compileGeneric(f, [COLUMNS.objectDeleted], (v) => v.objectId() === 0));
  }
  for (const name of ['timestamp', 'attribute_timestamp'] as const) {
    if (!set(name)) continue;
    const b = timestampBounds(params[name]!, ctx.nowSec);
    add(1, bounded(b, (v) => v.timestamp()));
    if (b.from !== null) timestampFrom = Math.max(timestampFrom ?? b.from, b.from);
  }
  if (set('first_seen')) add(3, seenFilter(params.first_seen!, ctx.nowSec, (v) => v.firstSeen(), true));
  if (set('last_seen')) add(3, seenFilter(params.last_seen!, ctx.nowSec, (v) => v.lastSeen(), false));
  if (set('to_ids')) {
    const raw = params.to_ids === 'exclude' ? 0 : params.to_ids!;
    add(1, boolEquals(raw, (v) => v.toIds()));
  }
  if (set('sharinggroup') && !phpEmpty(params.sharinggroup)) add(3, compileGeneric(convertFilters(params.sharinggroup!), [COLUMNS.eventSharingGroup, COLUMNS.sharingGroup]));
  // The Event scope.
  if (set('eventid') && !phpEmpty(params.eventid) && params.eventid !== 'all') {
    const { matches, ids } = compileEventIdFilter(params.eventid!);
    add(2, (v) => matches(v.event()));
    eventIds = ids;
  }
  if (set('eventinfo') && !phpEmpty(params.eventinfo)) add(6, compileGeneric(convertFilters(params.eventinfo!), [COLUMNS.eventInfo]));
  if (set('from')) {
    const d = dateBound(params.from!);
    add(3, (v) => v.event().date >= d);
  }
  if (set('to')) {
    const d = dateBound(params.to!);
    add(3, (v) => v.event().date <= d);
  }
  if (set('last')) add(3, bounded(timestampBounds(params.last!, ctx.nowSec), (v) => v.event().publishTimestamp));
  if (set('event_timestamp')) add(3, bounded(timestampBounds(params.event_timestamp!, ctx.nowSec), (v) => v.event().timestamp));
  if (set('publish_timestamp')) add(3, bounded(timestampBounds(params.publish_timestamp!, ctx.nowSec), (v) => v.event().publishTimestamp));
  if (set('org') && !phpEmpty(params.org)) add(3, compileGeneric(orgFilter(params.org!, ctx), [COLUMNS.eventOrgc]));
  if (set('published') && !(Array.isArray(params.published) && params.published.length === 2 && params.published[0] === true && params.published[1] === false)) {
    add(2, boolEquals(params.published!, (v) => v.event().published));
  }
  if (set('threat_level_id')) add(3, intEquals(params.threat_level_id!, (v) => v.event().threatLevelId));

  // fetchAttributes: live attributes only, unless a non-empty deleted filter was given;
  // "only" means deleted ones.
  if (phpEmpty(params.deleted)) add(0, (v) => !v.deleted());
  else if (params.deleted === 'only') add(0, (v) => v.deleted());

  preds.sort((a, b) => a.cost - b.cost);
  const list = preds.map((x) => x.p);
  const predicate: P = (v) => {
    for (const p of list) if (!p(v)) return false;
    return true;
  };

  // restSearch: limit without page is page 1; an empty limit means everything.
  const limit = params.limit !== undefined && !phpEmpty(params.limit) ? Math.max(0, intval(params.limit)) || null : null;
  const page = params.page !== undefined ? Math.max(1, intval(params.page)) : 1;
  const rf = params.returnFormat;
  let returnFormat = phpEmpty(rf) ? 'json' : strval(rf);
  if (returnFormat === 'download') returnFormat = 'json';
  return {
    predicate,
    timestampFrom,
    eventIds,
    values,
    includeEventTags: !phpEmpty(params.includeEventTags),
    includeEventUuid: !phpEmpty(params.includeEventUuid) || !phpEmpty(params.includeAttributeUuid),
    includeContext: !phpEmpty(params.includeContext),
    includeAllTags: !phpEmpty(params.includeAllTags),
    enforceWarninglist: !phpEmpty(params.enforceWarninglist),
    limit,
    page,
    order: !phpEmpty(params.order) ? findOrder(params.order!, 'Attribute', ATTRIBUTE_ORDER_FIELDS) : null,
    returnFormat,
  };
}

/** MispAttribute::set_filter_uuid in the attributes scope. */
function uuidFilter(raw: Php, ctx: QueryContext): P | null {
  const f = convertFilters(raw);
  const list = (x: Php | undefined): string[] => (x === undefined || phpEmpty(x) ? [] : (isPhpArray(x) ? phpValues(x) : [x]).map(strval));
  const or = list(f.OR);
  const not = list(f.NOT);
  const preds: P[] = [];
  if (or.length > 0) {
    const orSet = new Set(or);
    // Attributes of an event named by uuid come too, when some event has such a uuid.
    if (ctx.eventUuidExists(or)) preds.push((v) => orSet.has(v.uuid()) || orSet.has(v.event().uuid));
    else preds.push((v) => orSet.has(v.uuid()));
  }
  if (not.length > 0) {
    // NOT (event in the events whose uuid is in the OR list) AND NOT (uuid in the NOT list).
    const orSet = new Set(or);
    const notSet = new Set(not);
    preds.push((v) => !orSet.has(v.event().uuid) && !notSet.has(v.uuid()));
  }
  if (preds.length === 0) return null;
  return (v) => preds.every((p) => p(v));
}

/** Event::set_filter_org: names and uuids become organisation ids (-1 when unknown). */
function orgFilter(raw: Php, ctx: QueryContext): ReturnType<typeof convertFilters> {
  const f = convertFilters(raw);
  const asList = (x: Php | undefined): Php[] => (x === undefined ? [] : isPhpArray(x) ? phpValues(x) : [x]);
  const out: ReturnType<typeof convertFilters> = {};
  if (f.OR !== undefined) out.OR = asList(f.OR).map((o) => (isNumeric(o) ? o : (ctx.orgIdByNameOrUuid(strval(o)) ?? -1)));
  if (f.NOT !== undefined) {
    const not = asList(f.NOT).flatMap((o) => (isNumeric(o) ? [o] : (ctx.orgIdByNameOrUuid(strval(o)) ?? [])));
    if (not.length > 0) out.NOT = not;
  }
  if (f.AND !== undefined) out.AND = f.AND;
  return out;
}
