// /attributes/restSearch over the file-backed attributes followed by the synthetic ones (whose
// ids are all higher). Without "order" MISP sends no ORDER BY and the simulator answers in id
// order (InnoDB's primary-key order); with one, rows are sorted as MySQL would (ties by id).
// Warninglists are applied after the page is cut, as MISP does (MISP issue 9175), and the
// X-Result-Count header is computed as MispAttribute::__iteratedFetch computes it.
import type { AttributeQuery } from './attribute-query.js';
import type { StoreSnapshot } from './event-store.js';
import type { OrderRule } from './find-order.js';
import type { SimAttribute } from './model.js';
import { foldCi } from './php.js';
import { RealView, SyntheticView, type AttrView } from './rows.js';
import { ATTRIBUTES_PER_EVENT, type SyntheticSource } from './synthetic.js';
import { SyntheticValueIndex } from './synthetic-value-index.js';
import type { Warninglists } from './warninglists.js';

export interface SearchSources {
  store: StoreSnapshot;
  synthetic: SyntheticSource | null;
  warninglists: Warninglists;
}

export interface SearchResult {
  /** MISP's X-Result-Count. */
  count: number;
  items: Iterable<SimAttribute>;
}

interface PageCursor {
  nextPage: number;
  synthStart: number;
}

/** A match: k < real.length is store.attributes[k], otherwise synthetic index k - real.length. */
type Ref = number;

export class AttributeSearch {
  // Where the previous page of a query ended, so sequential paging over a million synthetic
  // attributes is linear overall instead of quadratic.
  private readonly cursors = new Map<string, PageCursor>();
  // Sorted matches of ordered queries, reused while a client pages through them.
  private readonly sorted = new Map<string, Float64Array>();
  private valueIndex: { syn: SyntheticSource; index: SyntheticValueIndex } | null = null;

  constructor(private readonly sources: () => SearchSources) {}

  /**
   * `drop` is a filter MISP applies after the page is cut, besides warninglists (excludeDecayed,
   * MispAttribute::fetchAttributes): pages come back short in the same way.
   */
  search(q: AttributeQuery, queryKey: string, drop?: (a: SimAttribute) => boolean): SearchResult {
    const src = this.sources();
    const keep = (a: SimAttribute): boolean =>
      (!q.enforceWarninglist || !src.warninglists.hitsAttribute(a.type, a.value)) && !(drop?.(a) ?? false);
    if (q.limit === null) {
      // Unpaged: __iteratedFetch counts every row fetched, warninglisted ones included.
      let count = 0;
      for (const _ of this.refs(q, src, 0)) count++;
      const self = this;
      return {
        count,
        items: (function* () {
          const refs = q.order ? self.orderedRefs(q, src, queryKey) : self.refs(q, src, 0);
          for (const r of refs) {
            const a = self.build(r, src);
            if (keep(a)) yield a;
          }
        })(),
      };
    }
    const page = q.order ? this.orderedPage(q, src, queryKey) : this.unorderedPage(q, src, queryKey);
    const rows = page.map((r) => this.build(r, src));
    const kept = rows.filter(keep);
    // __iteratedFetch: the rows fetched, plus one when the page came back full (or, as its loop
    // breaks before resetting the increment, when nothing was left after filtering).
    const count = rows.length + (kept.length === q.limit || kept.length === 0 ? 1 : 0);
    return { count, items: kept };
  }

  private build(r: Ref, src: SearchSources): SimAttribute {
    const real = src.store.attributes;
    return r < real.length ? real[r]! : src.synthetic!.attribute(r - real.length);
  }

  /** Matching rows in id order, from synthetic index `synthStart` on for the synthetic part. */
  private *refs(q: AttributeQuery, src: SearchSources, synthStart: number, realFrom = 0): Generator<Ref> {
    const real = src.store.attributes;
    const rv = new RealView();
    for (let k = realFrom; k < real.length; k++) if (q.predicate(rv.at(real[k]!))) yield k;
    const syn = src.synthetic;
    if (!syn) return;
    const sv = new SyntheticView(syn);
    for (const i of this.syntheticCandidates(q, syn, synthStart)) if (q.predicate(sv.at(i))) yield real.length + i;
  }

  private unorderedPage(q: AttributeQuery, src: SearchSources, queryKey: string): Ref[] {
    const limit = q.limit!;
    const real = src.store.attributes;
    const offset = (q.page - 1) * limit;
    const page: Ref[] = [];
    const rv = new RealView();
    let seen = 0;
    for (let k = 0; k < real.length && page.length < limit; k++) {
      if (!q.predicate(rv.at(real[k]!))) continue;
      if (seen++ >= offset) page.push(k);
    }
    const syn = src.synthetic;
    if (!syn || page.length >= limit) return page;
    const key = `${src.store.generation}:${syn.generation}:${limit}:${queryKey}`;
    const cursor = this.cursors.get(key);
    let start = 0;
    let skip = Math.max(0, offset - seen);
    if (cursor && cursor.nextPage === q.page && skip > 0) {
      start = cursor.synthStart;
      skip = 0;
    }
    const sv = new SyntheticView(syn);
    let last = start - 1;
    for (const i of this.syntheticCandidates(q, syn, start)) {
      if (page.length >= limit) break;
      if (!q.predicate(sv.at(i))) continue;
      last = i;
      if (skip > 0) {
        skip--;
        continue;
      }
      page.push(real.length + i);
    }
    if (this.cursors.size > 64) this.cursors.clear();
    this.cursors.set(key, { nextPage: q.page + 1, synthStart: last + 1 });
    return page;
  }

  private orderedRefs(q: AttributeQuery, src: SearchSources, queryKey: string): Float64Array {
    const key = `${src.store.generation}:${src.synthetic?.generation ?? 0}:${queryKey}`;
    const hit = this.sorted.get(key);
    if (hit) return hit;
    const refs = Float64Array.from(this.refs(q, src, 0));
    const keyOf = sortKeys(src);
    const keys = q.order!.map((rule) => Array.from(refs, (r) => keyOf(rule, r)));
    const pos = Array.from(refs.keys());
    pos.sort((x, y) => {
      for (let n = 0; n < q.order!.length; n++) {
        const a = keys[n]![x]!;
        const b = keys[n]![y]!;
        if (a === b) continue;
        // MySQL sorts NULL first in ascending order.
        const c = a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
        return q.order![n]!.descending ? -c : c;
      }
      return refs[x]! - refs[y]!;
    });
    const out = Float64Array.from(pos, (p) => refs[p]!);
    if (this.sorted.size >= 4) this.sorted.clear();
    this.sorted.set(key, out);
    return out;
  }

  private orderedPage(q: AttributeQuery, src: SearchSources, queryKey: string): Ref[] {
    const all = this.orderedRefs(q, src, queryKey);
    const offset = (q.page - 1) * q.limit!;
    return Array.from(all.subarray(Math.min(offset, all.length), Math.min(offset + q.limit!, all.length)));
  }

  private index(syn: SyntheticSource): SyntheticValueIndex {
    if (this.valueIndex?.syn !== syn) this.valueIndex = { syn, index: new SyntheticValueIndex(syn) };
    return this.valueIndex.index;
  }

  /**
   * Synthetic indexes that can match, ascending from `start`: the ones an exact value filter can
   * equal (read backwards from the value), the events named by an exact eventid filter, and
   * with a lower timestamp bound only the tail of the (timestamp-ordered) index range plus the
   * attributes /_sim/touch changed. The predicate decides; these only skip what cannot match.
   */
  private *syntheticCandidates(q: AttributeQuery, syn: SyntheticSource, start: number): Generator<number> {
    if (q.values) {
      for (const i of this.index(syn).candidates(q.values)) if (i >= start) yield i;
      return;
    }
    const from = q.timestampFrom;
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
}

/** Index ranges [from, to) that can match at all: the events named by an exact eventid filter. */
function syntheticRanges(q: AttributeQuery, syn: SyntheticSource): [number, number][] {
  if (!q.eventIds) return [[0, syn.count]];
  const events = [...new Set(q.eventIds.map((id) => syn.eventIndexOfId(id)).filter((j) => j >= 0))].sort((a, b) => a - b);
  return events.map((j) => [j * ATTRIBUTES_PER_EVENT, Math.min(syn.count, (j + 1) * ATTRIBUTES_PER_EVENT)]);
}

type SortKey = number | string | null;

/** The value MySQL sorts a row by, for each field findOrder allows. */
function sortKeys(src: SearchSources): (rule: OrderRule, r: Ref) => SortKey {
  const real = src.store.attributes;
  const rv = new RealView();
  const sv = src.synthetic ? new SyntheticView(src.synthetic) : null;
  const view = (r: Ref): AttrView => (r < real.length ? rv.at(real[r]!) : sv!.at(r - real.length));
  return (rule, r) => {
    const v = view(r);
    switch (rule.field) {
      case 'Attribute.id':
        return v.id();
      case 'Attribute.event_id':
        return v.eventId();
      case 'Attribute.object_id':
        return v.objectId();
      case 'Attribute.type':
        return foldCi(v.type());
      case 'Attribute.category':
        return v.category();
      case 'Attribute.value': {
        // The virtual field: value1, or "value1|value2" when value2 is not empty.
        const v2 = v.value2();
        return foldCi(v2 === '' ? v.value1() : `${v.value1()}|${v2}`);
      }
      case 'Attribute.distribution':
        return Number(v.distribution());
      case 'Attribute.timestamp':
        return v.timestamp();
      case 'Attribute.object_relation':
        return v.objectRelation();
      case 'Event.publish_timestamp':
        return v.event().publishTimestamp;
      default:
        return null;
    }
  };
}
