// MISP's tag filters. Names are looked up in the tag table with LIKE (Tag::findTagIdsByTagNames:
// "_" and "%" are wildcards, and tags.name is utf8mb3_bin, so case counts); numeric entries are
// tag ids. MispAttribute::set_filter_tags then turns the ids into conditions, which differ by
// scope (see attributePassesTags and the events scope in event-query.ts).
import { dissectArgs } from './generic-filter.js';
import type { SimTag } from './model.js';
import { isNumeric, likeRegExp, strval, type Php } from './php.js';

/** The tag table: every tag the data holds, by id. */
export class TagTable {
  private readonly byId = new Map<string, SimTag>();

  add(tags: Iterable<SimTag>): void {
    for (const t of tags) if (!this.byId.has(t.id)) this.byId.set(t.id, t);
  }

  /** Tag::findTagIdsByTagNames: ids matching the names (in id order), then the numeric entries. */
  findIds(entries: readonly Php[]): string[] {
    const ids: string[] = [];
    const patterns: RegExp[] = [];
    for (const e of entries) {
      if (isNumeric(e)) ids.push(strval(e).trim());
      else patterns.push(likeRegExp(strval(e), false));
    }
    const found: string[] = [];
    if (patterns.length > 0) {
      const all = [...this.byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
      for (const t of all) if (patterns.some((re) => re.test(t.name))) found.push(t.id);
    }
    return [...found, ...ids];
  }

  /** Tag::fetchTagIdsSimple: [-1] when nothing matches. */
  findIdsOrNone(entries: readonly Php[]): string[] {
    if (entries.length === 0) return [];
    const ids = this.findIds(entries);
    return ids.length === 0 ? ['-1'] : ids;
  }
}

export interface TagFilter {
  /** null: no condition; [] never happens. The "-1" sentinel never matches a tag id. */
  any: Set<string> | null;
  none: Set<string> | null;
  all: string[] | null;
  /** The lookup found nothing for a wanted or required tag: the query matches nothing. */
  nothing: boolean;
}

/**
 * MispAttribute::set_filter_tags' lookups: accepted tags (any of them), rejected tags (an id list
 * that is only [-1] means none was found, and the rejection is dropped) and required tags (every
 * one must resolve to exactly one tag, or the whole query matches nothing).
 */
export function resolveTagFilter(value: Php, table: TagTable): TagFilter | null {
  const [accept, reject, require] = dissectArgs(value);
  const t0 = table.findIdsOrNone(accept);
  const t1 = table.findIdsOrNone(reject);
  let t2 = table.findIdsOrNone(require);
  if (require.length > 0 && require.length !== t2.length) t2 = ['-1'];
  const f: TagFilter = { any: null, none: null, all: null, nothing: false };
  if (t0.length > 0) {
    if (t0[0] === '-1') f.nothing = true;
    else f.any = new Set(t0);
  }
  if (t1.length > 0 && !(t1.length === 1 && t1[0] === '-1')) f.none = new Set(t1);
  if (t2.length > 0) {
    if (t2[0] === '-1') f.nothing = true;
    else f.all = t2;
  }
  if (!f.any && !f.none && !f.all && !f.nothing) return null;
  return f;
}

function hasAny(tags: readonly SimTag[], ids: Set<string>): boolean {
  for (const t of tags) if (ids.has(t.id)) return true;
  return false;
}

/**
 * The attributes scope. MispAttribute::buildFilterConditions runs set_filter_tags twice: in the
 * Attribute scope (wanted and required tags on the attribute or its event, unwanted tags on the
 * attribute), which leaves the rejected ids in $params['tags']['NOT'], and then in the Event
 * scope, where those ids also exclude attributes of events carrying them. So "!tag" drops an
 * attribute that carries the tag or whose event does.
 */
export function attributePassesTags(f: TagFilter, own: readonly SimTag[], eventTags: readonly SimTag[]): boolean {
  if (f.nothing) return false;
  if (f.any && !hasAny(own, f.any) && !hasAny(eventTags, f.any)) return false;
  if (f.none && (hasAny(own, f.none) || hasAny(eventTags, f.none))) return false;
  if (f.all) {
    for (const id of f.all) {
      const one = new Set([id]);
      if (!hasAny(own, one) && !hasAny(eventTags, one)) return false;
    }
  }
  return true;
}
