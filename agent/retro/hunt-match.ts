// Which of a batch's attributes each candidate event really carries, decided by the filter's own
// code: the event's values are read as the filter reads them (enrich/event-values.ts), each
// value's hunt keys are the core's (ioc/hunt.ts, which finds a value exactly when the filter's
// probes would), and what the event gets for an attribute is the core's EventEdit, from the same
// match and finish calls the filter makes, with a found set holding only that attribute. So an
// alert is written exactly when, and as, the filter would have enriched the event.
import { parseFieldRef } from '../../plugin/core/config/field-ref.js';
import { DEFAULT_VALUE_LIMITS, eventValues } from '../../plugin/core/enrich/event-values.js';
import { encodeMeta, encodeSummary, huntKeys, parseIp, type Datatype } from '../../plugin/core/ioc/index.js';
import { createEnricher, type EnricherHandle } from '../../plugin/core/main.js';
import type { EnricherInfo, EventChange, FinishResponse, MatchResponse } from '../../plugin/core/protocol.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import { eventTime, readSource } from './alert.js';
import type { HuntField, HuntTarget } from './hunt-query.js';
import type { SearchHit } from './search-engine.js';

export interface RetroCore {
  enricher: EnricherHandle;
  /** The fields the hunt reads, in the filter's order. */
  fields: (HuntField & { segments: string[] })[];
}

/**
 * The core as the filter runs it: these fields (null: the filter's defaults), MISP context on,
 * the main MISP (null: none) and the further instances (--sources, the filter's misp_sources), so
 * each alert names its source and links the event in the instance that holds it.
 */
export function retroCore(fields: Record<string, string> | null, mispUrl: string | null, instances: readonly { name: string; mispUrl: string; apiKeyFile: string }[] = []): RetroCore {
  let enricher: EnricherHandle;
  try {
    enricher = createEnricher(JSON.stringify({
      ...(fields ? { fields } : {}),
      fetch_context: true,
      misp_url: mispUrl,
      ...(instances.length > 0 ? { misp_sources: JSON.stringify(instances.map(({ name, mispUrl: url, apiKeyFile }) => ({ name, mispUrl: url, apiKeyFile }))) } : {}),
    }));
  } catch (err) {
    throw new AgentError(ErrorCodes.CONFIG, `--retro-fields: ${(err as Error).message}`);
  }
  const info = JSON.parse(enricher.describe()) as EnricherInfo;
  return {
    enricher,
    fields: info.fields.map((f) => {
      const segments = parseFieldRef(f.ref) ?? [f.ref];
      return { name: segments.join('.'), datatype: f.datatype, segments };
    }),
  };
}

/** A candidate event's values as the filter reads them, and the attributes of the batch it carries. */
export interface Verified {
  hit: SearchHit;
  values: [field: number, raw: string][];
  targets: HuntTarget[];
}

/** Finds, among a page of candidates, the events each target really matches. */
export class HuntMatcher {
  private readonly exact = new Map<string, HuntTarget[]>();
  /** Each network's [first, last] key with the targets it stands for. */
  private readonly ranges: { gte: string; lte: string; targets: HuntTarget[] }[] = [];
  /** Hunt keys of each (datatype, value) already seen in this hunt. */
  private readonly keysOf = new Map<string, string[]>();

  constructor(private readonly core: RetroCore, targets: readonly HuntTarget[]) {
    for (const t of targets) {
      for (const term of t.terms) {
        if ('term' in term) {
          const list = this.exact.get(term.term) ?? [];
          if (!list.includes(t)) list.push(t);
          this.exact.set(term.term, list);
        } else {
          const [gte, lte] = term.range;
          const known = this.ranges.find((r) => r.gte === gte && r.lte === lte);
          if (known) {
            if (!known.targets.includes(t)) known.targets.push(t);
          } else this.ranges.push({ gte, lte, targets: [t] });
        }
      }
    }
  }

  private huntKeysOf(datatype: Datatype, raw: string): string[] {
    const k = `${datatype}\u0000${raw}`;
    let keys = this.keysOf.get(k);
    if (!keys) {
      keys = huntKeys(datatype, raw) ?? [];
      if (this.keysOf.size > 100_000) this.keysOf.clear();
      this.keysOf.set(k, keys);
    }
    return keys;
  }

  /** The event's values and the targets among `active` it carries (and is not older than). */
  verify(hit: SearchHit, active: ReadonlySet<HuntTarget>): Verified {
    const fields = this.core.fields;
    const { values } = eventValues(fields.length, (f) => readSource(hit.source, fields[f]!.segments), DEFAULT_VALUE_LIMITS);
    const found = new Set<HuntTarget>();
    const add = (list: HuntTarget[] | undefined) => {
      for (const t of list ?? []) if (active.has(t)) found.add(t);
    };
    for (const [f, raw] of values) {
      for (const key of this.huntKeysOf(fields[f]!.datatype, raw)) {
        add(this.exact.get(key));
        // The same test the engine's range query makes (ioc/hunt.ts huntTermFinds).
        for (const r of this.ranges) if (key >= r.gte && key <= r.lte) add(r.targets);
      }
    }
    const at = eventTime(hit.source);
    return { hit, values, targets: [...found].filter((t) => !(at < t.fromMs)) };
  }

  /**
   * The filter's edit of each of these events for one attribute: match and finish of the core
   * with the attribute alone in the found set and its event's MISP context (null: not fetched,
   * or none to fetch: a feed's attribute).
   * Events the core does not match (an attribute expired meanwhile) get no edit.
   */
  edits(target: HuntTarget, events: readonly Verified[], context: unknown | null, now: string): (EventChange | undefined)[] {
    const stored = encodeSummary([target.summary]);
    const found: Record<string, string> = {};
    for (const ind of target.indicators) found[ind.key] = stored;
    const prefixes = { v4: [] as number[], v6: [] as number[] };
    for (const ind of target.indicators) {
      if (ind.kind !== 'net') continue;
      const net = parseIp(ind.canonical)!;
      (net.family === 4 ? prefixes.v4 : prefixes.v6).push(net.prefix);
    }
    const meta = encodeMeta({ prefixes });
    const enricher = this.core.enricher;
    const match = JSON.parse(enricher.match(JSON.stringify({ meta, events: events.map((e, index) => ({ index, values: e.values })), found, now }))) as MatchResponse;
    let result: FinishResponse | undefined = match.result;
    if (!result) {
      // The found set holds this attribute alone: whatever event the core asks for is its event.
      const contexts: Record<string, unknown> = {};
      for (const id of match.event_ids) contexts[id] = context;
      result = JSON.parse(enricher.finish(JSON.stringify({ contexts }))) as FinishResponse;
    }
    const out: (EventChange | undefined)[] = new Array(events.length);
    for (const change of result.changes) if (change.matched) out[change.index] = change;
    return out;
  }
}
