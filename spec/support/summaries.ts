// Builders for what the agent stores, using the real vocabulary (keys and summaries), so specs
// that seed memcached write exactly what the agent writes.
import { encodeMeta, encodeSummary, mispIndicators, type AttributeSummary } from '../../plugin/core/ioc/index.js';

let seq = 0;

export function attribute(type: string, value: string, over: Partial<AttributeSummary> = {}): AttributeSummary {
  seq++;
  return {
    uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    type,
    category: 'Network activity',
    value,
    to_ids: true,
    event_id: '42',
    event_uuid: '5f0c2a43-0000-4000-8000-000000000042',
    event_info: 'OSINT - Example campaign',
    tags: ['tlp:amber'],
    timestamp: 1_700_000_000,
    ...over,
  };
}

/** The memcached entries for a set of attributes, merged per key as the agent merges them. */
export function entriesFor(attrs: AttributeSummary[]): Map<string, string> {
  const byKey = new Map<string, AttributeSummary[]>();
  const prefixes = { v4: new Set<number>(), v6: new Set<number>() };
  for (const a of attrs) {
    for (const ind of mispIndicators(a.type, a.value)?.indicators ?? []) {
      byKey.set(ind.key, [...(byKey.get(ind.key) ?? []), a]);
      if (ind.kind === 'net') {
        const len = Number(ind.canonical.split('/')[1]);
        (ind.canonical.includes(':') ? prefixes.v6 : prefixes.v4).add(len);
      }
    }
  }
  const out = new Map<string, string>();
  for (const [k, list] of byKey) out.set(k, encodeSummary(list));
  out.set('me1:meta', encodeMeta({ prefixes: { v4: [...prefixes.v4], v6: [...prefixes.v6] } }));
  return out;
}
