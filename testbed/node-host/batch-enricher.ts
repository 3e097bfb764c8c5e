// One batch through the core's protocol in Node (plugin/core/protocol.ts), as the Java shell's
// BatchEnricher does it against Logstash's Event API: read the configured fields, keys of new
// values from the core (the rest from the value memory), one multi-get, the core again only for
// the events that hit, then apply the edits. Events are changed in place; none is ever dropped,
// and a failure of either port becomes a tag, never an exception. Used by specs, tools and the
// demo's checks; the spec host runs it with in-memory ports.
import type { CoreModule, EnricherHandle } from './core-loader.js';
import { optionDefault } from '../../plugin/core/contract/filter-options.js';
import { eventValues } from '../../plugin/core/enrich/event-values.js';
import { applyEdit, getField, setField } from '../../plugin/core/enrich/json-event.js';
import type { ContextPort, KeyValuePort } from './ports.js';
import { INVALID, NOTHING, ValueMemory, type Remembered } from './value-memory.js';
import { decodeKeysResponse, encodeFinishRequest, encodeKeysRequest, encodeMatchRequest } from '../../plugin/core/wire.js';
import type {
  EnricherInfo,
  EventEdit,
  FinishResponse,
  MatchEvent,
  MatchResponse,
  MatchStats,
} from '../../plugin/core/protocol.js';

export interface BatchStats extends MatchStats {
  events: number;
  values: number;
  invalid_values: number;
  /** Values the memory did not hold, sent to the core. */
  new_values: number;
  /** Values past maxValueLength or maxValuesPerField, not looked at. */
  skipped_values: number;
  /** Keys looked up, the meta key included. */
  keys: number;
  lookup_failures: number;
}

export interface BatchOutcome {
  /** Indexes of events the core reported as matched (Logstash's filterMatched). */
  matched: number[];
  stats: BatchStats | null;
  /** The keys looked up, in the order sent. */
  keys: string[];
  /** MISP event ids the core asked contexts for. */
  eventIds: string[];
  /** Calls made into the core for this batch. */
  coreCalls: number;
  /** Set when the core itself failed: the batch passed through unchanged. */
  error?: string;
}

export interface NodeEnricher {
  enrich(events: Record<string, unknown>[]): Promise<BatchOutcome>;
  /** The last value read under the meta key (null before the first lookup). */
  meta(): string | null;
  close(): Promise<void>;
}

export interface NodeEnricherOptions {
  core: CoreModule;
  /** The core's options under their Logstash names (fields, ecs_compatibility, fetch_context, misp_url). */
  options: Record<string, unknown>;
  kv: KeyValuePort;
  context?: ContextPort;
  now?: () => Date;
  /** Values remembered (0: none). */
  valueCacheSize?: number;
  /** The meta value the host last read (null, the default: it has not looked yet). */
  meta?: string | null;
  /** As the Java shell's max_value_length and max_values_per_field: skipped and counted past them. */
  maxValueLength?: number;
  maxValuesPerField?: number;
}

interface Occurrence {
  event: number;
  field: number;
  raw: string;
  keys: readonly string[] | undefined;
  /** The value's hunt keys (retro_keys), null when off or none. */
  hunt: readonly string[] | null;
}

export function createNodeEnricher(opts: NodeEnricherOptions): NodeEnricher {
  const enricher: EnricherHandle = opts.core.createEnricher(JSON.stringify(opts.options));
  const info = JSON.parse(enricher.describe()) as EnricherInfo;
  const memory = new ValueMemory(opts.valueCacheSize ?? (optionDefault('value_cache_size') as number));
  const now = opts.now ?? (() => new Date());
  let meta: string | null = opts.meta ?? null;
  const maxValueLength = opts.maxValueLength ?? 8192;
  const maxValuesPerField = opts.maxValuesPerField ?? 100;

  return {
    async enrich(events) {
      if (events.length === 0) return { matched: [], stats: null, keys: [], eventIds: [], coreCalls: 0 };
      const edits = new Map<number, EventEdit>();
      const calls = { n: 0 };
      const huntKeys = new Map<number, string[]>();
      try {
        const outcome = await enrichBatch(events, edits, calls, huntKeys);
        const matched: number[] = [];
        events.forEach((event, i) => {
          const edit = edits.get(i);
          if (edit) applyEdit(event, edit);
          if (edit?.matched) matched.push(i);
          if (info.retro_keys) setField(event, info.retro_keys.field, [info.retro_keys.marker, ...(huntKeys.get(i) ?? [])]);
        });
        return { ...outcome, matched };
      } catch (err) {
        // Edits are applied only after the core's last call, so nothing was half-written.
        const error = err instanceof Error ? err.message : String(err);
        return { matched: [], stats: null, keys: [], eventIds: [], coreCalls: calls.n, error };
      }
    },
    meta: () => meta,
    async close() {
      await opts.kv.close();
      await opts.context?.close();
    },
  };

  async function enrichBatch(
    events: Record<string, unknown>[],
    edits: Map<number, EventEdit>,
    calls: { n: number },
    huntKeys: Map<number, string[]>,
  ): Promise<Omit<BatchOutcome, 'matched'>> {
    const metaNow = meta;
    const remembered = memory.isFor(metaNow);
    const stats: BatchStats = {
      events: events.length, values: 0, invalid_values: 0, new_values: 0, skipped_values: 0, keys: 0, lookup_failures: 0,
      hits: 0, matched_events: 0, fetch_failures: 0, bad_values: 0,
    };
    const occurrences: Occurrence[] = [];
    const pending = new Map<string, Map<string, number>>();
    const add = (event: number, field: number, raw: string) => {
      const datatype = info.fields[field]!.datatype;
      const known = remembered ? memory.get(datatype, raw) : undefined;
      if (known === undefined) {
        let byValue = pending.get(datatype);
        if (!byValue) pending.set(datatype, (byValue = new Map()));
        if (!byValue.has(raw)) byValue.set(raw, byValue.size);
      }
      occurrences.push({ event, field, raw, keys: known?.keys, hunt: known?.hunt ?? null });
    };
    const limits = { maxValueLength, maxValuesPerField };
    events.forEach((event, i) => {
      const read = eventValues(info.fields.length, (j) => getField(event, info.fields[j]!.ref), limits);
      stats.invalid_values += read.invalid;
      stats.skipped_values += read.skipped;
      for (const [j, raw] of read.values) add(i, j, raw);
    });

    if (pending.size > 0) {
      const values: Record<string, string[]> = {};
      for (const [datatype, byValue] of pending) {
        values[datatype] = [...byValue.keys()];
        stats.new_values += byValue.size;
      }
      calls.n++;
      const request = { meta: metaNow, values };
      const response = decodeKeysResponse(request, enricher.keysWire(encodeKeysRequest(request)), info.retro_keys !== null);
      const answer = (datatype: string, index: number): Remembered => {
        const k = (response.keys as Record<string, (string[] | null)[]>)[datatype]?.[index];
        const h = (response.hunt as Record<string, (string[] | null)[]> | undefined)?.[datatype]?.[index];
        return { keys: k === null || k === undefined ? INVALID : k.length === 0 ? NOTHING : k, hunt: h && h.length > 0 ? h : null };
      };
      memory.moveTo(metaNow, response.plan);
      for (const [datatype, byValue] of pending) for (const [raw, i] of byValue) memory.put(datatype, raw, answer(datatype, i));
      for (const o of occurrences) {
        if (o.keys === undefined) {
          const datatype = info.fields[o.field]!.datatype;
          const a = answer(datatype, pending.get(datatype)!.get(o.raw)!);
          o.keys = a.keys;
          o.hunt = a.hunt;
        }
      }
    }

    // retro_keys: each event's hunt keys, in field order, each once (EnricherInfo.retro_keys).
    if (info.retro_keys) {
      for (const o of occurrences) {
        if (!o.hunt) continue;
        let list = huntKeys.get(o.event);
        if (!list) huntKeys.set(o.event, (list = []));
        for (const k of o.hunt) if (!list.includes(k)) list.push(k);
      }
    }

    const keys: string[] = [];
    const keySet = new Set<string>();
    const needsLookup = new Set<number>();
    const lookedUp: Occurrence[] = [];
    for (const o of occurrences) {
      if (o.keys === NOTHING) continue;
      stats.values++;
      if (o.keys === INVALID) {
        stats.invalid_values++;
        continue;
      }
      lookedUp.push(o);
      needsLookup.add(o.event);
      for (const k of o.keys!) {
        if (!keySet.has(k)) {
          keySet.add(k);
          keys.push(k);
        }
      }
    }

    const found: Record<string, string> = {};
    let foundAny = false;
    let lookupFailed = false;
    if (keys.length > 0) {
      keys.push(info.meta_key);
      try {
        const got = await opts.kv.getMulti(keys);
        for (let i = 0; i < got.length - 1; i++) {
          const v = got[i];
          if (v !== null && v !== undefined) {
            found[keys[i]!] = v;
            foundAny = true;
          }
        }
        meta = got[got.length - 1] ?? '';
      } catch {
        lookupFailed = true;
      }
    }
    stats.keys = keys.length;

    let eventIds: string[] = [];
    if (foundAny) {
      const byEvent = new Map<number, MatchEvent>();
      for (const o of lookedUp) {
        if (!o.keys!.some((k) => Object.hasOwn(found, k))) continue;
        let e = byEvent.get(o.event);
        if (!e) byEvent.set(o.event, (e = { index: o.event, values: [] }));
        e.values.push([o.field, o.raw]);
      }
      calls.n++;
      const match = JSON.parse(
        enricher.matchWire(encodeMatchRequest({ meta: metaNow, events: [...byEvent.values()], found, now: now().toISOString() })),
      ) as MatchResponse;
      eventIds = match.event_ids;
      let result = match.result;
      if (!result) {
        const contexts = opts.context ? await opts.context.fetchEvents(eventIds).catch(() => ({})) : {};
        // As the Java shell does: each context as MISP's JSON text.
        const given: Record<string, string | null> = {};
        for (const id of eventIds) {
          const ctx = (contexts as Record<string, unknown>)[id];
          given[id] = ctx === undefined || ctx === null ? null : JSON.stringify(ctx);
        }
        calls.n++;
        result = JSON.parse(enricher.finishWire(encodeFinishRequest(given))) as FinishResponse;
      }
      for (const change of result.changes) edits.set(change.index, change);
      Object.assign(stats, result.stats);
    }
    for (let i = 0; i < events.length; i++) {
      if (edits.has(i)) continue;
      if (lookupFailed && needsLookup.has(i)) {
        edits.set(i, info.lookup_failed);
        stats.lookup_failures++;
      } else if (info.unmatched) edits.set(i, info.unmatched);
    }
    return { stats, keys, eventIds, coreCalls: calls.n };
  }
}
