// /attributes/restSearch over the file-backed attributes followed by the synthetic ones (whose
// ids are all higher), in id order. Paging is exact over the SQL-like match set; warninglists
// are applied after the page is cut, which is what MISP does (MISP issue 9175) and why a client
// must not page with enforceWarninglist on.
import type { StoreSnapshot } from './event-store.js';
import { inRange, matchValueFilter, type AttributeQuery } from './filters.js';
import type { SimAttribute } from './model.js';
import { ATTRIBUTES_PER_EVENT, type SyntheticSource } from './synthetic.js';
import type { Warninglists } from './warninglists.js';

export interface SearchSources {
  store: StoreSnapshot;
  synthetic: SyntheticSource | null;
  warninglists: Warninglists;
}

function realPasses(q: AttributeQuery, a: SimAttribute): boolean {
  if (a.deleted ? !q.deleted.deleted : !q.deleted.live) return false;
  if (q.toIds !== null && a.toIds !== q.toIds) return false;
  if (q.type && !matchValueFilter(q.type, [a.type])) return false;
  if (q.timestamp && !inRange(q.timestamp, a.timestamp)) return false;
  const ev = a.event;
  if (q.published !== null && ev.published !== q.published) return false;
  if (q.eventTimestamp && !inRange(q.eventTimestamp, ev.timestamp)) return false;
  if (q.publishTimestamp && !inRange(q.publishTimestamp, ev.publishTimestamp)) return false;
  if (q.eventid && !matchValueFilter(q.eventid, [String(ev.id)])) return false;
  // MISP's uuid filter matches the attribute's uuid or its event's.
  if (q.uuid && !matchValueFilter(q.uuid, [a.uuid, ev.uuid])) return false;
  if (q.category && !matchValueFilter(q.category, [a.category])) return false;
  if (q.objectRelation && !matchValueFilter(q.objectRelation, [a.objectRelation ?? ''])) return false;
  if (q.value && !matchValueFilter(q.value, valueCandidates(a.type, a.value))) return false;
  // Tags match on the attribute's own tags or its event's, as MISP's tag filter joins both.
  if (q.tags && !matchValueFilter(q.tags, [...a.tags, ...ev.tags].map((t) => t.name))) return false;
  return true;
}

/** MISP's value filter also matches either half of a composite value (value1 / value2). */
function valueCandidates(type: string, value: string): string[] {
  if (!type.includes('|') && type !== 'malware-sample') return [value];
  const cut = value.indexOf('|');
  return cut < 0 ? [value] : [value, value.slice(0, cut), value.slice(cut + 1)];
}

interface EventFacts {
  j: number;
  id: string;
  uuid: string;
  published: boolean;
  timestamp: number;
  publishTimestamp: number;
  tagNames: string[];
}

/** Evaluates the query on synthetic attribute i without building it. */
class SyntheticMatcher {
  private ev: EventFacts | null = null;

  constructor(
    private readonly q: AttributeQuery,
    private readonly syn: SyntheticSource,
  ) {}

  private facts(j: number): EventFacts {
    if (this.ev?.j === j) return this.ev;
    const published = this.syn.eventPublished(j);
    const ts = this.syn.eventTimestamp(j);
    this.ev = {
      j,
      id: String(this.syn.eventId(j)),
      uuid: this.syn.eventUuid(j),
      published,
      timestamp: ts,
      publishTimestamp: published ? ts : 0,
      tagNames: this.syn.eventTags(j).map((t) => t.name),
    };
    return this.ev;
  }

  passes(i: number): boolean {
    const q = this.q;
    const syn = this.syn;
    if (syn.deleted(i) ? !q.deleted.deleted : !q.deleted.live) return false;
    if (q.type && !matchValueFilter(q.type, [syn.type(i)])) return false;
    if (q.toIds !== null && syn.toIds(i) !== q.toIds) return false;
    if (q.timestamp && !inRange(q.timestamp, syn.timestamp(i))) return false;
    const needsEvent = q.published !== null || q.eventTimestamp || q.publishTimestamp || q.eventid || q.uuid || q.tags;
    if (needsEvent) {
      const ev = this.facts(syn.eventIndex(i));
      if (q.published !== null && ev.published !== q.published) return false;
      if (q.eventTimestamp && !inRange(q.eventTimestamp, ev.timestamp)) return false;
      if (q.publishTimestamp && !inRange(q.publishTimestamp, ev.publishTimestamp)) return false;
      if (q.eventid && !matchValueFilter(q.eventid, [ev.id])) return false;
      if (q.uuid && !matchValueFilter(q.uuid, [syn.attributeUuid(i), ev.uuid])) return false;
      if (q.tags && !matchValueFilter(q.tags, ev.tagNames)) return false;
    }
    if (q.category && !matchValueFilter(q.category, [syn.slot(i).category])) return false;
    if (q.objectRelation && !matchValueFilter(q.objectRelation, [''])) return false;
    if (q.value && !matchValueFilter(q.value, valueCandidates(syn.type(i), syn.value(i)))) return false;
    return true;
  }
}

/** Index ranges [from, to) that can match at all: the events named by an exact eventid filter. */
function syntheticRanges(q: AttributeQuery, syn: SyntheticSource): [number, number][] {
  if (!q.eventid?.exact) return [[0, syn.count]];
  const events = [...new Set(q.eventid.exact.map((id) => syn.eventIndexOfId(Number(id))).filter((j) => j >= 0))].sort((a, b) => a - b);
  return events.map((j) => [j * ATTRIBUTES_PER_EVENT, Math.min(syn.count, (j + 1) * ATTRIBUTES_PER_EVENT)]);
}

/**
 * Synthetic indexes that can match, ascending from `start`. An exact eventid filter narrows the
 * scan to those events; with a lower timestamp bound only the tail of the (timestamp-ordered)
 * index range and the touched attributes can qualify. Both keep the agent's incremental queries
 * over a million attributes cheap.
 */
function* syntheticCandidates(q: AttributeQuery, syn: SyntheticSource, start: number): Generator<number> {
  const from = q.timestamp?.from ?? null;
  const i0 = from === null ? 0 : syn.firstIndexAtOrAfter(from);
  const touched = from === null ? [] : syn.overriddenIndexes();
  for (const [lo, hi] of syntheticRanges(q, syn)) {
    if (hi <= start) continue;
    const begin = Math.max(lo, start);
    for (const k of touched) {
      if (k >= Math.min(i0, hi)) break;
      if (k >= begin) yield k;
    }
    for (let i = Math.max(begin, i0); i < hi; i++) yield i;
  }
}

interface PageCursor {
  nextPage: number;
  synthStart: number;
}

export class AttributeSearch {
  // Where the previous page of a query ended, so sequential paging over a million synthetic
  // attributes is linear overall instead of quadratic.
  private readonly cursors = new Map<string, PageCursor>();

  constructor(private readonly sources: () => SearchSources) {}

  /**
   * How many attributes an unpaged query returns, without building them (unless warninglists
   * must look at values).
   */
  countUnpaged(q: AttributeQuery, queryKey: string): number {
    let n = 0;
    if (q.enforceWarninglist) {
      for (const _ of this.run(q, queryKey)) n++;
      return n;
    }
    const { store, synthetic } = this.sources();
    for (const a of store.attributes) if (realPasses(q, a)) n++;
    if (synthetic) {
      const m = new SyntheticMatcher(q, synthetic);
      for (const i of syntheticCandidates(q, synthetic, 0)) if (m.passes(i)) n++;
    }
    return n;
  }

  /** The attributes of one response, lazily (unpaged queries can be very large). */
  *run(q: AttributeQuery, queryKey: string): Generator<SimAttribute> {
    const { store, synthetic, warninglists } = this.sources();
    const real = store.attributes.filter((a) => realPasses(q, a));
    const keep = (a: SimAttribute): boolean => !q.enforceWarninglist || !warninglists.hitsAttribute(a.type, a.value);

    if (q.limit === null) {
      for (const a of real) if (keep(a)) yield a;
      if (synthetic) {
        const m = new SyntheticMatcher(q, synthetic);
        for (const i of syntheticCandidates(q, synthetic, 0)) {
          if (!m.passes(i)) continue;
          const a = synthetic.attribute(i);
          if (keep(a)) yield a;
        }
      }
      return;
    }

    const offset = (q.page - 1) * q.limit;
    const page: SimAttribute[] = real.slice(offset, offset + q.limit);
    if (synthetic && page.length < q.limit) {
      const key = `${store.generation}:${synthetic.generation}:${q.limit}:${queryKey}`;
      const cursor = this.cursors.get(key);
      let start = 0;
      let skip = Math.max(0, offset - real.length);
      if (cursor && cursor.nextPage === q.page && skip > 0) {
        start = cursor.synthStart;
        skip = 0;
      }
      const m = new SyntheticMatcher(q, synthetic);
      let last = start - 1;
      for (const i of syntheticCandidates(q, synthetic, start)) {
        if (page.length >= q.limit) break;
        if (!m.passes(i)) continue;
        last = i;
        if (skip > 0) {
          skip--;
          continue;
        }
        page.push(synthetic.attribute(i));
      }
      if (this.cursors.size > 64) this.cursors.clear();
      this.cursors.set(key, { nextPage: q.page + 1, synthStart: last + 1 });
    }
    // The page is cut first and filtered afterwards: short or empty pages before the end.
    for (const a of page) if (keep(a)) yield a;
  }
}
