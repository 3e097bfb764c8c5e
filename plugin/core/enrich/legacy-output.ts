// ecs_compatibility => disabled: the fields of the original memcached + Ruby recipe, so
// dashboards built on it keep working. [misp][hit] is "none" on a miss, as the recipe wrote it.
import type { AttributeSummary } from '../ioc/index.js';
import { uniqueStrings, type Hit } from './hit.js';
import type { EventContext } from './misp-context.js';

export const LEGACY_MISS = 'none';

/** The recipe's fields under target ("[misp]" unless the target option says otherwise). */
export function legacyFields(
  hits: readonly Hit[],
  contextOf: (attr: AttributeSummary) => EventContext | null,
  target: string,
): [string, unknown][] {
  const tags: string[] = [];
  const infos: string[] = [];
  for (const hit of hits) {
    const ctx = contextOf(hit.attr);
    tags.push(...hit.attr.tags, ...(ctx?.tags ?? []));
    infos.push(ctx?.info ?? hit.attr.event_info);
  }
  return [
    [`${target}[hit]`, uniqueStrings(hits.map((h) => h.attr.value))],
    [`${target}[tag]`, uniqueStrings(tags)],
    [`${target}[eventinfo]`, uniqueStrings(infos.filter((i) => i !== ''))],
  ];
}
