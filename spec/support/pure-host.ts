// The spec host of the pure core: the Node host's own batch driver (testbed/node-host) with
// in-memory ports, so each spec controls exactly what the core sees between its calls: the
// key-value answers come from a Map (or fail), the MISP contexts from an object.
import type { CoreModule } from '../../testbed/node-host/core-loader.js';
import { createNodeEnricher, type BatchOutcome, type BatchStats } from '../../testbed/node-host/batch-enricher.js';

export interface PureRun {
  events: Record<string, unknown>[];
  outcome: BatchOutcome;
  stats: BatchStats;
  /** The keys looked up, meta key included. */
  keys: string[];
  eventIds: string[];
  coreCalls: number;
  /** The host's meta value after the batch. */
  meta: string | null;
}

export async function runPure(
  core: CoreModule,
  options: Record<string, unknown>,
  events: Record<string, unknown>[],
  store: Map<string, string> | 'down',
  contexts: Record<string, unknown | null> = {},
  meta: string | null = null,
): Promise<PureRun> {
  const enricher = createNodeEnricher({
    core,
    options,
    meta,
    now: () => new Date('2026-11-22T10:00:00.000Z'),
    kv: {
      getMulti: async (keys) => {
        if (store === 'down') throw new Error('connection refused');
        return keys.map((k) => store.get(k) ?? null);
      },
      close: async () => {},
    },
    context: {
      fetchEvents: async (ids) => Object.fromEntries(ids.map((id) => [id, contexts[id] ?? null])),
      close: async () => {},
    },
  });
  const outcome = await enricher.enrich(events);
  if (outcome.error) throw new Error(outcome.error);
  return {
    events,
    outcome,
    stats: outcome.stats!,
    keys: outcome.keys,
    eventIds: outcome.eventIds,
    coreCalls: outcome.coreCalls,
    meta: enricher.meta(),
  };
}
