// One batch of events through the three steps of protocol.ts. All state lives in this object
// for the life of one batch; nothing here waits or does I/O.
import type { EnricherConfig, FieldSpec } from '../config/options.js';
import { CoreError } from '../errors.js';
import {
  decodeMeta,
  decodeSummary,
  META_KEY,
  type Candidate,
  type IndicatorSummary,
  type PrefixPlan,
} from '../ioc/index.js';
import type {
  BatchStats,
  BeginRequest,
  EventChange,
  FinishRequest,
  FinishResponse,
  LookupRequest,
  LookupResponse,
} from '../protocol.js';
import type { CandidateCache } from './candidate-cache.js';
import { ecsEnrichment } from './ecs-output.js';
import type { Hit } from './hit.js';
import { LEGACY_MISS, legacyFields } from './legacy-output.js';
import { readEventContext, type EventContext } from './misp-context.js';

export const TAG_LOOKUP_FAILURE = '_misp_enrich_lookup_failure';
export const TAG_FETCH_FAILURE = '_misp_enrich_fetch_failure';
export const ENRICHMENTS_FIELD = '[threat][enrichments]';

interface Occurrence {
  event: number;
  field: FieldSpec;
  raw: string;
  candidate: Candidate;
  /** Index into keys for each probe of the candidate. */
  keyIndexes: number[];
}

function prefixPlanOf(meta: string | null): PrefixPlan | null {
  if (meta === null) return null;
  if (meta === '') return { v4: [], v6: [] };
  return decodeMeta(meta)?.prefixes ?? null;
}

function emptyStats(events: number): BatchStats {
  return {
    events,
    values: 0,
    invalid_values: 0,
    keys: 0,
    hits: 0,
    matched_events: 0,
    lookup_failures: 0,
    fetch_failures: 0,
    bad_values: 0,
  };
}

export class Batch {
  private readonly keys: string[] = [];
  private readonly occurrences: Occurrence[] = [];
  private readonly eventsNeedingLookup = new Set<number>();
  private readonly stats: BatchStats;
  private readonly hitsByEvent = new Map<number, Hit[]>();
  private lookupFailed = false;
  private step: 'begun' | 'looked-up' | 'finished' = 'begun';

  constructor(
    private readonly config: EnricherConfig,
    private readonly request: BeginRequest,
    private readonly candidates: CandidateCache,
  ) {
    this.stats = emptyStats(request.events.length);
    this.collect();
  }

  private collect(): void {
    const keyIndex = new Map<string, number>();
    this.candidates.usePlan(prefixPlanOf(this.request.meta));
    const fields = this.config.fields;
    this.request.events.forEach((row, event) => {
      if (!Array.isArray(row)) return;
      fields.forEach((field, j) => {
        const value = row[j];
        const items = Array.isArray(value) ? value : [value];
        const seen = new Set<string>();
        for (const item of items) {
          if (item === null || item === undefined) continue;
          if (typeof item !== 'string') {
            this.stats.invalid_values++;
            continue;
          }
          if (item.trim() === '' || seen.has(item)) continue;
          seen.add(item);
          this.stats.values++;
          const candidate = this.candidates.probe(field.datatype, item);
          if (!candidate) {
            this.stats.invalid_values++;
            continue;
          }
          const keyIndexes = candidate.probes.map((p) => {
            let k = keyIndex.get(p.key);
            if (k === undefined) {
              k = this.keys.length;
              this.keys.push(p.key);
              keyIndex.set(p.key, k);
            }
            return k;
          });
          this.occurrences.push({ event, field, raw: item, candidate, keyIndexes });
          this.eventsNeedingLookup.add(event);
        }
      });
    });
    // The meta key rides along with every lookup so the host's copy is never a batch old.
    if (this.keys.length > 0) this.keys.push(META_KEY);
    this.stats.keys = this.keys.length;
  }

  keysToFetch(): string[] {
    return this.keys;
  }

  lookup(request: LookupRequest): LookupResponse {
    if (this.step !== 'begun') throw new CoreError('MISP_ENRICH_PROTOCOL', 'lookup called twice');
    this.step = 'looked-up';
    if (request.error !== undefined || this.keys.length === 0) {
      this.lookupFailed = request.error !== undefined && this.keys.length > 0;
      return { event_ids: [] };
    }
    const values = request.values;
    if (!Array.isArray(values) || values.length !== this.keys.length) {
      // A host bug, but events must still pass: treat it as a failed lookup.
      this.lookupFailed = true;
      return { event_ids: [] };
    }
    const metaValue = values[values.length - 1];
    const meta = typeof metaValue === 'string' ? metaValue : '';
    const summaries = new Map<number, IndicatorSummary>();
    values.forEach((v, k) => {
      if (k === values.length - 1 || typeof v !== 'string') return;
      const s = decodeSummary(v);
      if (s) summaries.set(k, s);
      else this.stats.bad_values++;
    });
    const eventIds = new Set<string>();
    for (const occ of this.occurrences) {
      occ.keyIndexes.forEach((k, p) => {
        const summary = summaries.get(k);
        if (!summary) return;
        const indicator = occ.candidate.probes[p]!;
        for (const attr of summary.attrs) {
          const list = this.hitsByEvent.get(occ.event) ?? [];
          const dup = list.some(
            (h) => h.attr.uuid === attr.uuid && h.field === occ.field && h.raw === occ.raw,
          );
          if (dup) continue;
          list.push({ field: occ.field, raw: occ.raw, candidate: occ.candidate, indicator, attr });
          this.hitsByEvent.set(occ.event, list);
          if (this.config.fetchContext) eventIds.add(attr.event_id);
        }
      });
    }
    return { event_ids: [...eventIds], meta };
  }

  finish(request: FinishRequest): FinishResponse {
    if (this.step !== 'looked-up') {
      throw new CoreError('MISP_ENRICH_PROTOCOL', 'finish called before lookup or twice');
    }
    this.step = 'finished';
    const contexts = new Map<string, EventContext | null>();
    const contextOf = (id: string): EventContext | null => {
      if (!contexts.has(id)) {
        const raw = request.contexts?.[id];
        contexts.set(id, raw === undefined || raw === null ? null : readEventContext(raw));
      }
      return contexts.get(id) ?? null;
    };
    const changes: EventChange[] = [];
    const legacy = this.config.ecsCompatibility === 'disabled';
    for (let event = 0; event < this.request.events.length; event++) {
      const change: EventChange = { index: event, append: [], set: [], tags: [], matched: false };
      if (this.lookupFailed && this.eventsNeedingLookup.has(event)) {
        change.tags.push(TAG_LOOKUP_FAILURE);
        this.stats.lookup_failures++;
        changes.push(change);
        continue;
      }
      const hits = this.hitsByEvent.get(event);
      if (!hits) {
        if (legacy) {
          change.set.push(['[misp][hit]', LEGACY_MISS]);
          changes.push(change);
        }
        continue;
      }
      this.stats.hits += hits.length;
      this.stats.matched_events++;
      change.matched = true;
      if (this.config.fetchContext && hits.some((h) => contextOf(h.attr.event_id) === null)) {
        change.tags.push(TAG_FETCH_FAILURE);
        this.stats.fetch_failures++;
      }
      if (legacy) {
        change.set.push(...legacyFields(hits, (id) => (this.config.fetchContext ? contextOf(id) : null)));
      } else {
        const entries = hits.map((h) =>
          ecsEnrichment(h, this.config.fetchContext ? contextOf(h.attr.event_id) : null, this.config, request.now),
        );
        change.append.push([ENRICHMENTS_FIELD, entries]);
      }
      changes.push(change);
    }
    return { changes, stats: this.stats };
  }
}
