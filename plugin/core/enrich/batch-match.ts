// The second and third calls of a batch, for the events that hit: which MISP attributes each of
// their values matched (match), then their edits once the host has the MISP contexts (finish).
// Candidates are computed again here, for these few values, with the plan of the keys the host
// looked up, so the host never needs to know what a key means.
import { DEFAULT_ECS_TARGET, type EnricherConfig } from '../config/options.js';
import { CoreError } from '../errors.js';
import { candidateProbes, decodeSummary, probeOf, type AttributeSummary, type IndicatorSummary } from '../ioc/index.js';
import type { AttributeHit, EventChange, FinishResponse, MatchRequest, MatchStats } from '../protocol.js';
import { boundedAttribute, boundedContext } from './bounds.js';
import { epochSeconds, hasExpired } from './decay-output.js';
import { ecsEnrichment, ecsEventSummary } from './ecs-output.js';
import type { Hit } from './hit.js';
import { legacyFields } from './legacy-output.js';
import { readEventContext, type EventContext } from './misp-context.js';
import { contextRef, inMainMisp } from './misp-instance.js';
import { TextMemo } from './text-memo.js';
import { prefixPlanOf } from './value-keys.js';

function protocolError(what: string): CoreError {
  return new CoreError('MISP_ENRICH_PROTOCOL', `the match request ${what}`);
}

/** What an enricher remembers across batches: read summaries and MISP contexts (text-memo.ts). */
export interface MatchMemo {
  summaries: TextMemo<IndicatorSummary | null>;
  contexts: TextMemo<EventContext | null>;
}

export function newMatchMemo(): MatchMemo {
  // A batch hits a few keys and events; hot indicators repeat. Bounded per enricher (per worker).
  return { summaries: new TextMemo(1024), contexts: new TextMemo(256) };
}

/** A stored value's summary with its attributes cut to their bounds, or null if it is not one. */
function readSummary(text: string): IndicatorSummary | null {
  const summary = decodeSummary(text);
  return summary && { ...summary, attrs: summary.attrs.map(boundedAttribute) };
}

/** A MISP event's context from MISP's JSON text, cut to its bounds; null if it is not an event. */
function readContextText(text: string): EventContext | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const ctx = readEventContext(parsed);
  return ctx && boundedContext(ctx);
}

export class BatchMatch {
  private readonly stats: MatchStats = { hits: 0, matched_events: 0, fetch_failures: 0, bad_values: 0, expired: 0 };
  /**
   * Each event with hits or with a value whose stored summary is corrupt, in request order. A
   * corrupt value is a failed lookup for that value: the event is tagged as such.
   */
  private readonly hits: [index: number, hits: Hit[], corrupt: boolean][] = [];
  private readonly eventIds = new Set<string>();
  private readonly now: string;
  private readonly nowSeconds: number;

  constructor(private readonly config: EnricherConfig, request: MatchRequest, private readonly memo: MatchMemo = newMatchMemo()) {
    if (!request || !Array.isArray(request.events) || !request.found || typeof request.found !== 'object') {
      throw protocolError('has no events or found values');
    }
    this.now = typeof request.now === 'string' ? request.now : new Date(0).toISOString();
    const nowSeconds = (this.nowSeconds = epochSeconds(this.now));
    // Each found key's summary, or null for a stored value that is not one (corrupt).
    const summaries = new Map<string, IndicatorSummary | null>();
    for (const [key, value] of Object.entries(request.found)) {
      const summary = typeof value === 'string' ? this.memo.summaries.get(key, value, readSummary) : null;
      if (summary) summaries.set(key, summary);
      else {
        this.stats.bad_values++;
        summaries.set(key, null);
      }
    }
    const plan = prefixPlanOf(request.meta ?? null);
    const fields = config.fields;
    for (const event of request.events) {
      if (!event || !Number.isInteger(event.index) || !Array.isArray(event.values)) throw protocolError('has a malformed event');
      const list: Hit[] = [];
      let corrupt = false;
      for (const pair of event.values) {
        const field = Array.isArray(pair) ? fields[pair[0]] : undefined;
        const raw: unknown = Array.isArray(pair) ? pair[1] : undefined;
        if (!field || typeof raw !== 'string') throw protocolError('names a field or value it cannot have');
        const candidate = candidateProbes(field.datatype, raw, plan);
        if (!candidate) continue;
        for (let p = 0; p < candidate.keys.length; p++) {
          const summary = summaries.get(candidate.keys[p]!);
          if (!summary) {
            if (summary === null) corrupt = true;
            continue;
          }
          const indicator = probeOf(candidate, p);
          for (const attr of summary.attrs) {
            // Past its decay threshold or --max-age window: no longer an indicator, even if the
            // agent has not removed it yet (it is down, or its timer is a moment late).
            if (hasExpired(attr, nowSeconds)) {
              this.stats.expired = (this.stats.expired ?? 0) + 1;
              continue;
            }
            if (list.some((h) => h.attr.uuid === attr.uuid && h.field === field && h.raw === raw)) continue;
            list.push({ field, raw, candidate, indicator, attr });
            const ref = contextRef(attr, config);
            if (ref !== null) this.eventIds.add(ref);
          }
        }
      }
      if (list.length > 0 || corrupt) this.hits.push([event.index, list, corrupt]);
    }
  }

  /** References of the MISP events to fetch for this batch's hits (misp-instance.ts; none when fetch_context is off). */
  contextIds(): string[] {
    return [...this.eventIds];
  }

  finish(given: Record<string, unknown> | undefined): FinishResponse {
    const contexts = new Map<string, EventContext | null>();
    const contextOf = (attr: AttributeSummary): EventContext | null => {
      const id = contextRef(attr, this.config);
      if (id === null) return null;
      if (!contexts.has(id)) {
        const raw = given?.[id];
        if (raw === undefined || raw === null) contexts.set(id, null);
        else if (typeof raw === 'string') contexts.set(id, this.memo.contexts.get(id, raw, readContextText));
        else {
          const ctx = readEventContext(raw);
          contexts.set(id, ctx && boundedContext(ctx));
        }
      }
      return contexts.get(id) ?? null;
    };
    const legacy = this.config.ecsCompatibility === 'disabled';
    const changes: EventChange[] = [];
    for (const [index, hits, corrupt] of this.hits) {
      const change: EventChange = { index, append: [], set: [], tags: corrupt ? [...this.config.tagOnFailure] : [], matched: hits.length > 0 };
      changes.push(change);
      if (hits.length === 0) continue;
      this.stats.hits += hits.length;
      this.stats.matched_events++;
      if (hits.some((h) => contextRef(h.attr, this.config) !== null && contextOf(h.attr) === null)) {
        change.tags.push(...this.config.tagOnFetchFailure);
        this.stats.fetch_failures++;
      }
      if (legacy) change.set.push(...legacyFields(hits, contextOf, this.config.target));
      else {
        const entries = hits.map((h) => ecsEnrichment(h, contextOf(h.attr), this.config, this.now, this.nowSeconds));
        change.append.push([this.config.target, entries]);
        // The misp_enrich.* summary belongs to the shipped templates, dashboard and rule, which
        // read threat.enrichments: written only where they look.
        if (this.config.target === DEFAULT_ECS_TARGET) change.append.push(...ecsEventSummary(entries));
      }
    }
    return { changes, stats: this.stats, attributes: attributeHits(this.hits) };
  }
}

/**
 * Each matched MISP attribute once, with its event and the number of this batch's events it
 * matched (an event counts once per attribute, whichever of its fields hit): what a host reports
 * to MISP as sightings.
 */
function attributeHits(events: readonly [number, Hit[], boolean][]): AttributeHit[] {
  const byUuid = new Map<string, AttributeHit>();
  for (const [, hits] of events) {
    const inEvent = new Set<string>();
    for (const h of hits) {
      // Sightings go to the filter's main MISP: only its attributes are there.
      if (!inMainMisp(h.attr) || inEvent.has(h.attr.uuid)) continue;
      inEvent.add(h.attr.uuid);
      const known = byUuid.get(h.attr.uuid);
      if (known) known[2]++;
      else byUuid.set(h.attr.uuid, [h.attr.uuid, h.attr.event_id, 1]);
    }
  }
  return [...byUuid.values()];
}
