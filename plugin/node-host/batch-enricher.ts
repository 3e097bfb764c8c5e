// Drives the core through one batch in Node: read the configured fields, three calls to the
// core with the two ports' I/O between them, then apply the changes to the events. The Java
// shell does the same against Logstash's Event API. Events are changed in place; none is ever
// dropped, and a failure of either port becomes a tag, never an exception.
import type { CoreModule, EnricherHandle } from './core-loader.js';
import { applyChange, getField } from './event-fields.js';
import type { ContextPort, KeyValuePort } from './ports.js';
import type { BatchStats, FinishResponse, LookupResponse } from '../core/protocol.js';

export interface BatchOutcome {
  /** Indexes of events the core reported as matched (Logstash's filterMatched). */
  matched: number[];
  stats: BatchStats | null;
  /** Set when the core itself failed: the batch passed through unchanged. */
  error?: string;
}

export interface NodeEnricher {
  enrich(events: Record<string, unknown>[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}

export interface NodeEnricherOptions {
  core: CoreModule;
  /** The core's options under their Logstash names (fields, ecs_compatibility, fetch_context, misp_url). */
  options: Record<string, unknown>;
  kv: KeyValuePort;
  context?: ContextPort;
  now?: () => Date;
}

export function createNodeEnricher(opts: NodeEnricherOptions): NodeEnricher {
  const enricher: EnricherHandle = opts.core.createEnricher(JSON.stringify(opts.options));
  const refs = JSON.parse(enricher.fieldRefs()) as string[];
  let meta: string | null = null;
  const now = opts.now ?? (() => new Date());

  return {
    async enrich(events) {
      if (events.length === 0) return { matched: [], stats: null };
      try {
        return await enrichBatch(events);
      } catch (err) {
        // Changes are applied only after the core's last call, so nothing was half-written.
        return { matched: [], stats: null, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async close() {
      await opts.kv.close();
      await opts.context?.close();
    },
  };

  async function enrichBatch(events: Record<string, unknown>[]): Promise<BatchOutcome> {
    const plan = enricher.begin(JSON.stringify({ events: events.map((e) => refs.map((r) => getField(e, r) ?? null)), meta }));
    const { keys } = JSON.parse(plan.keys()) as { keys: string[] };
    let lookupJson: string;
    if (keys.length === 0) lookupJson = JSON.stringify({ values: [] });
    else {
      try {
        lookupJson = JSON.stringify({ values: await opts.kv.getMulti(keys) });
      } catch (err) {
        lookupJson = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
      }
    }
    const lookup = JSON.parse(plan.lookup(lookupJson)) as LookupResponse;
    if (lookup.meta !== undefined) meta = lookup.meta;
    let contexts: Record<string, unknown | null> = {};
    if (lookup.event_ids.length > 0 && opts.context) {
      contexts = await opts.context.fetchEvents(lookup.event_ids).catch(() => ({}));
    }
    const result = JSON.parse(plan.finish(JSON.stringify({ contexts, now: now().toISOString() }))) as FinishResponse;
    const matched: number[] = [];
    for (const change of result.changes) {
      applyChange(events[change.index]!, change);
      if (change.matched) matched.push(change.index);
    }
    return { matched, stats: result.stats };
  }
}
