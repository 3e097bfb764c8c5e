// What the agent stores, for specs that seed memcached. attribute() describes an attribute in the
// terms the filter reads back (the stored summary's fields); entriesFor() hands those attributes,
// in MISP's shape (agent/misp/attribute.ts), to the agent's own index (agent/sync/state.ts) and
// returns what the agent writes for them: every key's merged value and the me1:meta key, byte for
// byte. No merge is re-implemented here, so a change to the agent's merge reaches every spec; an
// attribute naming a source goes through the agent's merge of several sources (source-set.ts).
import { META_KEY, type AttributeSummary } from '../../plugin/core/ioc/index.js';
import type { MispAttribute, MispEventHead } from '../../agent/misp/attribute.js';
import { AGENT_VERSION } from '../../agent/ops/version.js';
import { SyncEngine, type EngineOptions } from '../../agent/sync/engine.js';
import { SourceSet } from '../../agent/sync/source-set.js';
import { IndicatorState } from '../../agent/sync/state.js';

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

/** The head of the attribute's event, as the agent reads it from MISP. */
function eventHeadOf(a: AttributeSummary): MispEventHead {
  // The tags go on the attribute: in MISP two attributes of one event may carry different tags,
  // and the agent stores the union of the attribute's and the event's tags either way.
  const head: MispEventHead = { id: a.event_id, uuid: a.event_uuid, info: a.event_info, tags: [] };
  if (a.org !== undefined) head.org = a.org;
  return head;
}

/** The attribute as the agent reads it from MISP, with the decay and expiry its sync works out. */
function mispAttributeOf(a: AttributeSummary, event: MispEventHead): MispAttribute {
  const out: MispAttribute = {
    uuid: a.uuid,
    type: a.type,
    category: a.category,
    value: a.value,
    toIds: a.to_ids,
    deleted: false,
    timestamp: a.timestamp ?? 0,
    event,
    tags: a.tags,
  };
  if (a.first_seen !== undefined) out.firstSeen = a.first_seen;
  if (a.last_seen !== undefined) out.lastSeen = a.last_seen;
  if (a.decay !== undefined) out.decay = a.decay;
  if (a.expires !== undefined) out.expires = a.expires;
  return out;
}

/**
 * MISP has one info, uuid and organisation per event, and so does the agent (the last one read
 * wins for every attribute of the event): two attributes that disagree are a mistake in the spec.
 */
function sameEvent(seen: Map<string, MispEventHead>, head: MispEventHead): void {
  const before = seen.get(head.id);
  if (before && (before.info !== head.info || before.uuid !== head.uuid || before.org !== head.org)) {
    throw new Error(`entriesFor: event ${head.id} is given two different heads (info, uuid or org); MISP and the agent keep one per event`);
  }
  seen.set(head.id, head);
}

/** Stands for a part of the engine that writing the meta value never touches: touching it fails. */
function untouched<T extends object>(what: string, known: Partial<T> = {}): T {
  return new Proxy(known, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      throw new Error(`entriesFor: the sync engine read ${what}.${String(name)} while writing ${META_KEY}`);
    },
  }) as T;
}

/** The me1:meta value, written as the agent writes it: SyncEngine.metaValue() over the index. */
function metaValueOf(state: IndicatorState, set?: SourceSet): string {
  const options = untouched<EngineOptions>('its options', { agentVersion: AGENT_VERSION });
  return new SyncEngine(state, untouched('the MISP client'), untouched('the filter'), untouched('the memcached store'), untouched('the logger'), options, set).metaValue();
}

/** One source's indicator state, as a sync that keeps all these attributes leaves it. */
function stateOf(attrs: AttributeSummary[]): IndicatorState {
  const state = new IndicatorState();
  const dirty = new Set<string>();
  const pass = state.newPass();
  const heads = new Map<string, MispEventHead>();
  for (const a of attrs) {
    const head = eventHeadOf(a);
    sameEvent(heads, head);
    state.upsert(mispAttributeOf(a, head), state.upsertEvent(head, dirty), pass, dirty);
  }
  return state;
}

/**
 * The memcached entries the agent writes for these attributes (one pass of a sync that keeps them
 * all). An attribute naming a `source` (and `feed`) is put in that source's part, as an agent with
 * --sources / --feed reads it, and the parts are merged by the agent's own SourceSet.
 */
export function entriesFor(attrs: AttributeSummary[]): Map<string, string> {
  const bySource = new Map<string, { feed: boolean; attrs: AttributeSummary[] }>();
  const main: AttributeSummary[] = [];
  for (const a of attrs) {
    if (a.source === undefined) {
      main.push(a);
      continue;
    }
    const { source, feed, ...plain } = a;
    const part = bySource.get(source) ?? { feed: feed === true, attrs: [] };
    part.attrs.push(plain);
    bySource.set(source, part);
  }
  const mainState = stateOf(main);
  const out = new Map<string, string>();
  if (bySource.size === 0) {
    for (const key of mainState.keys()) out.set(key, mainState.valueOf(key)!);
    out.set(META_KEY, metaValueOf(mainState));
    return out;
  }
  const set = new SourceSet([
    { name: 'MISP', feed: false, main: true, state: mainState },
    ...[...bySource].map(([name, part]) => ({ name, feed: part.feed, state: stateOf(part.attrs) })),
  ]);
  for (const key of set.keys()) out.set(key, set.valueOf(key)!);
  out.set(META_KEY, metaValueOf(mainState, set));
  return out;
}
