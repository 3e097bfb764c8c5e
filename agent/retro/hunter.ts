// The retro-hunt: the events that came before an indicator, found when the indicator arrives.
// The sync engine flags every attribute that becomes matchable (IndicatorState: new, or its value
// or type changed; re-published, to_ids set, back from a warninglist or from decay all arrive as
// new); the hunter takes flagged attributes in batches, searches the events of the window for them
// (hunt-query.ts) in a point in time, page by page, keeps the events the filter would have matched
// (hunt-match.ts) and writes one alert per (event, attribute) (alert.ts).
//
// It runs beside the sync loop and never holds it up: the loop only flags attributes (a bit in the
// index) and wakes it. Its load on the cluster is bounded: --retro-batch-size indicators per
// query, --retro-concurrency hunts at once, --retro-rate searches per second, a per-request
// timeout, and per indicator at most --retro-max-hits alerts (the indicator is then dropped from
// the query, counted and logged). A hunt that fails flags its attributes again and the hunter
// backs off; the flags are in the snapshot, so a restarted agent resumes where it stopped, and
// the alerts' ids make hunting an attribute twice write nothing twice.
import type { AttributeSummary } from '../../plugin/core/ioc/index.js';
import { AgentError, asAgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RetroOptions } from '../ops/options.js';
import type { IndicatorState } from '../sync/state.js';
import { alertDocument, alertId, COPIED_FIELDS, publishedAt } from './alert.js';
import { huntQueries, huntTargets, unmarkedQuery, type HuntTarget } from './hunt-query.js';
import { HuntMatcher, retroCore, type RetroCore, type Verified } from './hunt-match.js';
import type { SearchEngine } from './search-engine.js';
import { ensureRetroTemplates } from './templates.js';

/** Events per search page. */
const PAGE_SIZE = 500;
const CONTEXT_TTL_MS = 300_000;
const MAX_CONTEXTS = 10_000;
/** Backoff after a failed hunt: from 5 s, doubling, up to 5 minutes. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 300_000;

export interface HuntSummary {
  attributes: number;
  searches: number;
  candidates: number;
  alerts: number;
  existing: number;
  capped: number;
  /** Indicators hunted again later because another of their query reached the cap. */
  requeued: number;
  duration_ms: number;
  /** Of duration_ms: waiting for the search engine's pages, matching them, writing the alerts. */
  search_ms: number;
  match_ms: number;
  write_ms: number;
}

const ZERO: HuntSummary = { attributes: 0, searches: 0, candidates: 0, alerts: 0, existing: 0, capped: 0, requeued: 0, duration_ms: 0, search_ms: 0, match_ms: 0, write_ms: 0 };

/** A token bucket: at most `rate` takes per second, in bursts of at most `rate`. */
class RateLimit {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.rate) * 1000)).unref());
    }
  }
}

/**
 * One source's part of the set, as the hunter hunts it: its index (whose flags say what to hunt),
 * how its attributes are named in the set (SourceSet: the main MISP's name none, another source's
 * theirs), and where its events' MISP context comes from (null: nowhere, a feed's attribute
 * carries its own).
 */
export interface HuntPart {
  name: string;
  main: boolean;
  feed: boolean;
  state: IndicatorState;
  eventContexts: ((ids: string[]) => Promise<Map<string, unknown>>) | null;
}

export class RetroHunter {
  private readonly core: RetroCore;
  private readonly limit: RateLimit;
  private readonly contexts = new Map<string, { at: number; context: unknown | null }>();
  private stopping = false;
  private idle: (() => void)[] = [];
  private workers: Promise<void>[] = [];
  private pauseUntil = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  /** Unix ms since when flagged attributes have been waiting (0: none waits). */
  private behindSince = 0;
  private active = 0;
  /** Connected to the engine, and the alerts index's templates seen to (once, before the first hunt). */
  private ready = false;
  private readonly sourceFields: string[];
  /** The part the next batch is taken from first (round-robin, so no source waits behind another's backlog). */
  private nextPart = 0;
  readonly totals: HuntSummary = { ...ZERO };

  /** `core`: the filter's core as the hunt runs it (hunt-match.ts retroCore). */
  constructor(
    private readonly opts: RetroOptions,
    private readonly engine: SearchEngine,
    private readonly parts: readonly HuntPart[],
    core: RetroCore,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.core = core;
    this.limit = new RateLimit(opts.rate);
    this.sourceFields = [...new Set(['@timestamp', ...this.core.fields.map((f) => f.name), ...COPIED_FIELDS])];
  }

  /** Attributes flagged for the hunt, over every part. */
  get queued(): number {
    return this.parts.reduce((n, p) => n + p.state.huntPending, 0);
  }

  /** A batch of flagged attributes of one part, named as the set names them; null when none waits. */
  private takeBatch(): { part: HuntPart; batch: AttributeSummary[] } | null {
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[(this.nextPart + i) % this.parts.length]!;
      if (part.state.huntPending === 0) continue;
      const batch = part.state.takeForHunt(this.opts.batchSize);
      if (batch.length === 0) continue;
      this.nextPart = (this.nextPart + i + 1) % this.parts.length;
      return { part, batch: part.main ? batch : batch.map((a) => (part.feed ? { ...a, source: part.name, feed: true } : { ...a, source: part.name })) };
    }
    return null;
  }

  /** Starts the hunt workers; they wait for flagged attributes. */
  start(): void {
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.work());
    this.notify();
  }

  /** Something was flagged (or the hunter should look again): idle workers wake. */
  notify(): void {
    this.updateGauges();
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }

  /** Stops the workers: the hunts in flight are aborted and their attributes flagged again. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.engine.close();
    await Promise.all(this.workers);
    this.workers = [];
  }

  /** Resolves when nothing is flagged and no hunt is in flight (--once), or the hunter stops. */
  async drained(): Promise<void> {
    while (!this.stopping && (this.queued > 0 || this.active > 0)) {
      await new Promise<void>((r) => this.idle.push(r));
    }
  }

  private updateGauges(): void {
    const pending = this.queued;
    if (pending === 0 && this.active === 0) this.behindSince = 0;
    else if (this.behindSince === 0) this.behindSince = Date.now();
    this.metrics.set('retro_queue', pending);
    this.metrics.set('retro_lag_seconds', this.behindSince === 0 ? 0 : (Date.now() - this.behindSince) / 1000);
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const wait = this.pauseUntil - Date.now();
      if (wait > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.idle.push(() => {
            clearTimeout(t);
            r();
          });
        });
        continue;
      }
      const taken = this.takeBatch();
      if (taken === null) {
        this.updateGauges();
        await new Promise<void>((r) => this.idle.push(r));
        continue;
      }
      const { part, batch } = taken;
      this.active++;
      const uuids = batch.map((a) => a.uuid);
      try {
        await this.hunt(part, batch);
        part.state.finishHunt(uuids, true);
        this.backoffMs = FIRST_BACKOFF_MS;
      } catch (err) {
        // Waiting again, unless removed meanwhile: a later hunt does it (nothing is written twice).
        part.state.finishHunt(uuids, false);
        if (this.stopping) break;
        const e = asAgentError(err);
        this.metrics.inc('retro_errors_total', { code: e.code });
        this.pauseUntil = Date.now() + this.backoffMs;
        this.log.error(`retro-hunt of ${batch.length} indicators failed: ${e.message}; trying again in ${Math.round(this.backoffMs / 1000)} s`, {
          code: e.code,
          indicators: batch.length,
        });
        this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      } finally {
        this.active--;
        // Others may wait for the queue to drain, or for this batch's backoff to end.
        this.notify();
      }
    }
  }

  /**
   * The MISP context of an attribute's event, from the instance of its part (cached a while; null
   * when MISP did not give it, or when the part has no MISP: a feed).
   */
  private async contextOf(part: HuntPart, eventId: string): Promise<unknown | null> {
    if (part.eventContexts === null) return null;
    const cacheKey = `${part.name}\u0000${eventId}`;
    const known = this.contexts.get(cacheKey);
    if (known && Date.now() - known.at < CONTEXT_TTL_MS) return known.context;
    let context: unknown | null = null;
    try {
      context = (await part.eventContexts([eventId])).get(eventId) ?? null;
    } catch (err) {
      this.log.warn(`retro-hunt: MISP event ${eventId}'s context could not be fetched${part.main ? '' : ` from ${part.name}`}: ${asAgentError(err).message}; alerts are written without it`, {
        code: asAgentError(err).code,
        ...(part.main ? {} : { source: part.name }),
      });
    }
    if (this.contexts.size >= MAX_CONTEXTS) this.contexts.clear();
    this.contexts.set(cacheKey, { at: Date.now(), context });
    return context;
  }

  /**
   * The engine reached and the alerts index's templates in place, before the first hunt (and
   * again after a failure to reach it): an engine down at start is waited for like any other.
   */
  private async prepare(): Promise<void> {
    if (this.ready) return;
    await this.engine.connect();
    this.log.info(`retro-hunt on ${this.engine.description}`, {
      indices: this.opts.indices,
      alerts_index: this.opts.alertsIndex,
      window_days: this.opts.windowDays,
      match: this.opts.match,
    });
    await ensureRetroTemplates(this.engine, this.opts.alertsIndex, this.log);
    this.ready = true;
  }

  private async hunt(source: HuntPart, batch: AttributeSummary[]): Promise<void> {
    await this.prepare();
    const started = Date.now();
    const now = Date.now();
    const s: HuntSummary = { ...ZERO, attributes: batch.length };
    const targets = huntTargets(batch, now - this.opts.windowDays * 86_400_000);
    const matcher = new HuntMatcher(this.core, targets);
    const hits = new Map<HuntTarget, number>(targets.map((t) => [t, 0]));
    const huntedAt = new Date(now).toISOString();
    // Never its own alerts (nor an older alerts index of the same name with a suffix).
    const indices = [...this.opts.indices, `-${this.opts.alertsIndex}*`];
    const groups = huntQueries(targets, this.core.fields, this.opts.match, now);
    // The events' own fields are searched only where the filter wrote no hunt keys.
    let unmarked: string[] | null = null;
    if (this.opts.match === 'both' && groups.some((g) => g.fields)) {
      await this.limit.take();
      s.searches++;
      unmarked = await this.engine.indicesWith(indices, unmarkedQuery(Math.min(...targets.map((t) => t.fromMs)), now));
    }
    for (const group of groups) {
      const active = new Set(group.targets);
      const parts: ['keys' | 'fields', string[]][] = [];
      if (group.keys) parts.push(['keys', indices]);
      if (group.fields && (unmarked === null || unmarked.length > 0)) parts.push(['fields', unmarked ?? indices]);
      for (const [part, where] of parts) {
        if (this.stopping || !(await this.scanPart(source, part, where, group.targets, now, active, matcher, hits, huntedAt, s))) break;
      }
    }
    if (this.stopping) throw new AgentError(ErrorCodes.RETRO_UNREACHABLE, 'the retro-hunt stopped');
    s.duration_ms = Date.now() - started;
    this.record(s, targets, hits);
  }

  /**
   * One part (keys or fields) of a group's query, scanned. An engine may refuse a query that
   * Lucene expands past its clause limit (a regexp on a `wildcard` field becomes one clause per
   * n-gram, a case-insensitive one per letter case: how far depends on the mapping, unknown here):
   * then the group is split in two and each half scanned, down to a single indicator, which is
   * left out with an error if even it cannot be asked.
   */
  private async scanPart(source: HuntPart, part: 'keys' | 'fields', where: string[], targets: HuntTarget[], now: number, active: Set<HuntTarget>, matcher: HuntMatcher,
    hits: Map<HuntTarget, number>, huntedAt: string, s: HuntSummary): Promise<boolean> {
    const mine = targets.filter((t) => active.has(t));
    const query = huntQueries(mine, this.core.fields, this.opts.match, now).map((g) => g[part]);
    try {
      for (const q of query) {
        if (q && !(await this.scanGroup(source, where, q, active, matcher, hits, huntedAt, s))) return false;
      }
      return true;
    } catch (err) {
      const e = asAgentError(err);
      if (!/too many( nested)? clauses|maxClauseCount|too_complex|TooComplexToDeterminize|max_determinized_states|regex.*length/i.test(e.message)) throw err;
      if (mine.length === 1) {
        this.metrics.inc('retro_errors_total', { code: e.code });
        this.log.error(`retro-hunt: ${mine[0]!.summary.type} ${JSON.stringify(mine[0]!.summary.value.slice(0, 200))} cannot be searched by ${part}: ${e.message}`, {
          code: e.code,
          attribute: mine[0]!.summary.uuid,
        });
        return true;
      }
      const half = Math.ceil(mine.length / 2);
      this.log.debug(`retro-hunt: a query of ${mine.length} indicators was too large for the engine; splitting it`, { part });
      for (const halfTargets of [mine.slice(0, half), mine.slice(half)]) {
        if (!(await this.scanPart(source, part, where, halfTargets, now, active, matcher, hits, huntedAt, s))) return false;
      }
      return true;
    }
  }

  /**
   * One scan of a group's query: every page verified and alerted. False when an indicator reached
   * the cap: the query still finds its events, page after page, so the scan stops, and the
   * group's other indicators are hunted again without it (what they raised is not written twice).
   */
  private async scanGroup(source: HuntPart, indices: string[], query: Record<string, unknown>, active: Set<HuntTarget>, matcher: HuntMatcher, hits: Map<HuntTarget, number>,
    huntedAt: string, s: HuntSummary): Promise<boolean> {
    await this.limit.take();
    let t = Date.now();
    const scan = await this.engine.scan(indices, {
      query: { bool: { filter: [query], must_not: [{ term: { _index: this.opts.alertsIndex } }] } },
      source: this.sourceFields,
      size: PAGE_SIZE,
    });
    try {
      for (let first = true; !this.stopping; first = false) {
        if (!first) await this.limit.take();
        s.searches++;
        this.metrics.inc('retro_searches_total');
        const page = await scan.next();
        s.search_ms += Date.now() - t;
        if (page.length === 0) return true;
        s.candidates += page.length;
        this.metrics.inc('retro_candidates_total', {}, page.length);
        const capped = await this.alertPage(source, page.map((h) => matcher.verify(h, active)), matcher, hits, huntedAt, s);
        t = Date.now();
        if (capped.length > 0) {
          for (const c of capped) active.delete(c);
          for (const other of active) source.state.markForHunt(other.summary.uuid);
          s.requeued += active.size;
          active.clear();
          return false;
        }
      }
      return true;
    } finally {
      await scan.close();
    }
  }

  /** Alerts for one page of verified candidates; returns the targets that reached the cap. */
  private async alertPage(source: HuntPart, verified: Verified[], matcher: HuntMatcher, hits: Map<HuntTarget, number>, huntedAt: string, s: HuntSummary): Promise<HuntTarget[]> {
    const started = Date.now();
    const byTarget = new Map<HuntTarget, Verified[]>();
    for (const v of verified) {
      for (const t of v.targets) {
        const list = byTarget.get(t);
        if (list) list.push(v);
        else byTarget.set(t, [v]);
      }
    }
    const docs: { id: string; doc: unknown }[] = [];
    const capped: HuntTarget[] = [];
    for (const [target, events] of byTarget) {
      const room = this.opts.maxHits - hits.get(target)!;
      const taken = events.slice(0, Math.max(0, room));
      const context = await this.contextOf(source, target.summary.event_id);
      const edits = matcher.edits(target, taken, context, huntedAt);
      const published = publishedAt(target.summary.timestamp, context);
      let n = 0;
      taken.forEach((v, i) => {
        const edit = edits[i];
        if (!edit) return;
        n++;
        docs.push({
          id: alertId(v.hit.index, v.hit.id, target.summary.uuid),
          doc: alertDocument({ hit: v.hit, edit, attributeUuid: target.summary.uuid, publishedMs: published, huntedAt, huntFields: this.core.fields.map((f) => f.name) }),
        });
      });
      hits.set(target, hits.get(target)! + n);
      if (events.length > taken.length || hits.get(target)! >= this.opts.maxHits) {
        capped.push(target);
        s.capped++;
        this.metrics.inc('retro_capped_total');
        this.log.warn(`retro-hunt: indicator ${target.summary.type} ${JSON.stringify(target.summary.value.slice(0, 200))} (attribute ${target.summary.uuid}) matched more than --retro-max-hits ${this.opts.maxHits} past events; its hunt stops there`, {
          code: ErrorCodes.RETRO_CAP,
          attribute: target.summary.uuid,
          alerts: hits.get(target),
        });
      }
    }
    const written = Date.now();
    s.match_ms += written - started;
    if (docs.length > 0) {
      const r = await this.engine.createDocuments(this.opts.alertsIndex, docs);
      s.write_ms += Date.now() - written;
      s.alerts += r.created;
      s.existing += r.existing;
      this.metrics.inc('retro_alerts_total', { result: 'created' }, r.created);
      this.metrics.inc('retro_alerts_total', { result: 'existing' }, r.existing);
      if (r.failed > 0) {
        this.metrics.inc('retro_alerts_total', { result: 'failed' }, r.failed);
        throw new AgentError(ErrorCodes.RETRO_WRITE, `${r.failed} alerts were refused by ${this.opts.alertsIndex} (${r.firstError})`, { transient: true });
      }
    }
    return capped;
  }

  private record(s: HuntSummary, targets: readonly HuntTarget[], hits: Map<HuntTarget, number>): void {
    for (const k of Object.keys(ZERO) as (keyof HuntSummary)[]) this.totals[k] += s[k];
    this.metrics.inc('retro_attributes_hunted_total', {}, s.attributes);
    this.metrics.observe('retro_hunt_duration_seconds', s.duration_ms / 1000);
    for (const t of targets) {
      const n = hits.get(t) ?? 0;
      if (n > 0) {
        this.log.info(`retro-hunt: ${t.summary.type} ${JSON.stringify(t.summary.value.slice(0, 200))} matched ${n} past events`, {
          attribute: t.summary.uuid,
          event_id: t.summary.event_id,
          ...(t.summary.source !== undefined ? { source: t.summary.source } : {}),
          alerts: n,
        });
      }
    }
    this.log.info('retro-hunt done', { ...s, queued: this.queued });
  }
}
