// A minimal host for specs of the pure core: the key-value answers come from a Map and the MISP
// contexts from an object, so each spec controls exactly what the core sees between its calls.
// Specs against a real memcached use plugin/node-host instead.
import type { CoreModule } from '../../plugin/node-host/core-loader.js';
import { applyChange, getField } from '../../plugin/node-host/event-fields.js';
import type { FinishResponse, LookupResponse } from '../../plugin/core/protocol.js';

export interface PureRun {
  events: Record<string, unknown>[];
  result: FinishResponse;
  keys: string[];
  lookup: LookupResponse;
  coreCalls: number;
}

export function runPure(
  core: CoreModule,
  options: Record<string, unknown>,
  events: Record<string, unknown>[],
  store: Map<string, string> | 'down',
  contexts: Record<string, unknown | null> = {},
  meta: string | null = null,
): PureRun {
  let coreCalls = 0;
  const enricher = core.createEnricher(JSON.stringify(options));
  const refs = JSON.parse(enricher.fieldRefs()) as string[];
  const plan = enricher.begin(JSON.stringify({ events: events.map((e) => refs.map((r) => getField(e, r) ?? null)), meta }));
  coreCalls++;
  const keys = (JSON.parse(plan.keys()) as { keys: string[] }).keys;
  const lookupReq = store === 'down' ? { error: 'connection refused' } : { values: keys.map((k) => store.get(k) ?? null) };
  const lookup = JSON.parse(plan.lookup(JSON.stringify(lookupReq))) as LookupResponse;
  coreCalls++;
  const given: Record<string, unknown | null> = {};
  for (const id of lookup.event_ids) given[id] = contexts[id] ?? null;
  const result = JSON.parse(plan.finish(JSON.stringify({ contexts: given, now: '2026-11-22T10:00:00.000Z' }))) as FinishResponse;
  coreCalls++;
  for (const c of result.changes) applyChange(events[c.index]!, c);
  return { events, result, keys, lookup, coreCalls };
}
