// One sync cycle against MISP. A full sync lists every qualifying attribute (paged), upserts it
// into the index and then sweeps what it did not see: hard deletes and attributes that stopped
// qualifying. An incremental sync asks only for what changed since the last successful cycle:
// attributes by their timestamp (soft-deleted ones included, so they can be removed) and events
// by timestamp/publish_timestamp, so that unpublishing or retagging an event re-syncs its
// attributes. Either way only the keys whose value changed are written.
//
// Two more ways in, for freshness and age: applyLive() applies what MISP announced on ZeroMQ
// (each announced attribute or event read back from MISP and taken through the same filters and
// merge as here), and expire() drops the attributes whose decay score fell under the model's
// threshold or that left the --max-age window, at that moment (agent.ts keeps the timer).
import { encodeMeta } from '../../plugin/core/ioc/index.js';
import type { MispAttribute, MispEventHead } from '../misp/attribute.js';
import type { MispClient } from '../misp/client.js';
import type { AttributeFilter } from '../misp/filters.js';
import { WarninglistMatcher } from '../misp/warninglists.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { MemcachedStore, ServerLink } from '../store/memcached-writer.js';
import { decayOf, DecayModels } from './decay.js';
import type { LiveBatch } from './live-queue.js';
import { SourceSet } from './source-set.js';
import type { IndicatorState } from './state.js';

/** Attributes asked for by uuid in one restSearch (a ZeroMQ burst is read back in chunks). */
const UUIDS_PER_REQUEST = 500;

export interface CycleSummary {
  mode: 'full' | 'incremental' | 'live' | 'expiry';
  duration_ms: number;
  attributes: { added: number; changed: number; unchanged: number; removed: number };
  /** Attributes MISP returned that the agent does not store, by reason. */
  skipped: Record<string, number>;
  /** Parts of values that did not parse as their datatype. */
  invalid_values: number;
  events_resynced: number;
  keys_written: number;
}

export interface EngineOptions {
  /** A full sync that would remove more than this share of the stored attributes removes none. */
  maxRemovalShare: number;
  publishedOnly: boolean;
  tagFilters: boolean;
  warninglists: boolean;
  overlapSeconds: number;
  agentVersion: string;
  /** --decay: attributes carry MISP's decay scores, and decayed ones are dropped. */
  decay: boolean;
  /**
   * Whether this engine's full sync loads servers that need it (the main MISP instance's does);
   * another source's writes only what changed, or a server would be marked loaded with one part.
   */
  loadsServers?: boolean;
}

interface Pass {
  summary: CycleSummary;
  dirty: Set<string>;
  touched: Set<string> | null;
  pass: number;
  now: number;
  invalid: { parts: number };
}

export class SyncEngine {
  /** Unix seconds from which the next incremental sync asks for changes; null before a full sync. */
  cursor: number | null = null;
  /** Unix ms of the last successful sync with MISP (0: none yet). */
  lastSuccessMs = 0;
  /**
   * Unix ms of the MISP state the index holds: the start of the last sync that went through (or
   * the snapshot's, before one). META_KEY's synced_at: a set is never written over a newer one.
   */
  syncedMs = 0;
  /**
   * Flag what becomes matchable for the retro-hunt (--retro-url). Off for the very first full sync
   * of an agent without a snapshot: everything in MISP is new to it then, and hunting all of it
   * is what --retro-backfill is for.
   */
  huntChanges = false;
  private warninglist: WarninglistMatcher | null = null;
  private readonly decayModels: DecayModels;

  constructor(
    private readonly state: IndicatorState,
    private readonly client: MispClient,
    private readonly filter: AttributeFilter,
    private readonly store: MemcachedStore,
    private readonly log: Logger,
    private readonly opts: EngineOptions,
    /** The whole set the servers get (this MISP's part and the feeds'): what is written. */
    private readonly set: SourceSet = new SourceSet([{ name: 'MISP', feed: false, main: true, state }]),
    /** META_KEY's value when another engine (the main one) stamps the set; else this one's. */
    private readonly metaOf?: () => string,
  ) {
    this.decayModels = new DecayModels((id) => this.client.decayingModel(id), log);
  }

  metaValue(): string {
    if (this.metaOf) return this.metaOf();
    return encodeMeta({
      prefixes: this.set.prefixLengths(),
      agent_version: this.opts.agentVersion,
      synced_at: new Date(this.syncedMs || Date.now()).toISOString(),
      indicators: this.set.keyCount,
    });
  }

  private newPass(mode: CycleSummary['mode'], touched: boolean): Pass {
    return {
      summary: { mode, duration_ms: 0, attributes: { added: 0, changed: 0, unchanged: 0, removed: 0 }, skipped: {}, invalid_values: 0, events_resynced: 0, keys_written: 0 },
      dirty: new Set(),
      touched: touched ? new Set() : null,
      pass: this.state.newPass(),
      now: Date.now() / 1000,
      invalid: { parts: 0 },
    };
  }

  /** The decaying models a page's attributes were scored with, read before the page is considered. */
  private async learnModels(attributes: readonly MispAttribute[]): Promise<void> {
    if (this.opts.decay) await this.decayModels.learn(attributes);
  }

  /**
   * When the attribute stops being an indicator: its decay (--decay) or its age (--max-age),
   * whichever comes first. 'decayed' or 'age' when that moment has passed.
   */
  private expiry(a: MispAttribute, now: number): 'keep' | 'decayed' | 'age' {
    const { decay, expires: decayed } = this.opts.decay ? decayOf(a, this.decayModels, now) : {};
    const aged = this.filter.ageExpiry(a);
    const expires = decayed === undefined ? aged : aged === undefined ? decayed : Math.min(decayed, aged);
    if (expires !== undefined && expires <= now) return decayed !== undefined && decayed <= now ? 'decayed' : 'age';
    if (decay) a.decay = decay;
    if (expires !== undefined) a.expires = expires;
    return 'keep';
  }

  private consider(a: MispAttribute, p: Pass): void {
    const ev = this.state.upsertEvent(a.event, p.dirty);
    const rec = this.state.event(a.event.id)!;
    let verdict: string = this.filter.verdict(a, rec.tags, rec.published, p.now);
    if (verdict === 'keep' && this.warninglist && this.warninglist.match(a.type, a.value)) verdict = 'warninglist';
    // MISP scored the page as it sent it: the time of reading is the time of the score.
    if (verdict === 'keep') verdict = this.expiry(a, Date.now() / 1000);
    if (verdict === 'keep') {
      const r = this.state.upsert(a, ev, p.pass, p.dirty, p.touched ?? undefined, p.invalid, this.huntChanges);
      if (r === 'invalid') p.summary.skipped.invalid = (p.summary.skipped.invalid ?? 0) + 1;
      else p.summary.attributes[r]++;
      return;
    }
    p.summary.skipped[verdict] = (p.summary.skipped[verdict] ?? 0) + 1;
    // A full sync removes at its end, in one sweep, once it knows how much it would remove.
    if (p.summary.mode === 'full') return;
    if (this.state.remove(a.uuid, p.dirty)) p.summary.attributes.removed++;
  }

  private async loadWarninglists(): Promise<void> {
    if (!this.opts.warninglists) return;
    const lists = await this.client.warninglists();
    this.warninglist = new WarninglistMatcher(lists, this.log);
    this.log.info(`applying ${this.warninglist.size} enabled MISP warninglists in the agent`, { warninglists: this.warninglist.size });
  }

  /**
   * Lists everything and sweeps what is gone. Servers that need a full load (empty, restarted,
   * never loaded) get every key seen, as it is seen; the others only the keys that changed.
   */
  async fullSync(): Promise<CycleSummary> {
    const started = Date.now();
    const p = this.newPass('full', true);
    await this.loadWarninglists();
    this.decayModels.clear();
    for (const head of await this.client.allEvents()) this.state.upsertEvent(head, p.dirty);
    const reload = this.opts.loadsServers === false ? [] : this.store.links.filter((l) => l.writable && l.needsReload);
    const loaded = () => this.store.links.filter((l) => l.up && !l.needsReload && !reload.includes(l));
    let writing: Promise<number> = Promise.resolve(0);
    for await (const page of this.client.attributePages(this.filter.searchBody(p.now))) {
      if (page.unreadable > 0) p.summary.skipped.unreadable = (p.summary.skipped.unreadable ?? 0) + page.unreadable;
      await this.learnModels(page.attributes);
      for (const a of page.attributes) this.consider(a, p);
      // The page's objects are garbage from here on, before anything waits.
      page.attributes.length = 0;
      // The previous page's writes overlap this page's fetch and parse; at most one batch waits.
      p.summary.keys_written += await writing;
      writing = this.writeBatch(p, reload, loaded());
    }
    p.summary.keys_written += await writing;
    this.cursor = Math.floor(started / 1000) - this.opts.overlapSeconds;
    // A MISP answering an empty or truncated list with a 200 (a broken proxy, a wrong key's view,
    // a bug) must not empty memcached: over the bound, nothing is removed and the cycle fails.
    const stored = this.state.attributeCount;
    const unseen = this.state.countUnseen(p.pass);
    if (stored > 0 && unseen / stored > this.opts.maxRemovalShare) {
      throw new AgentError(ErrorCodes.MASS_REMOVAL, `the full resync would remove ${unseen} of the ${stored} stored attributes, over --max-removal-share ` +
        `${this.opts.maxRemovalShare}: kept them all (raise --max-removal-share to allow it)`);
    }
    p.summary.attributes.removed += this.state.sweep(p.pass, p.dirty);
    this.state.compact();
    this.syncedMs = started;
    p.summary.keys_written += await this.writeBatch(p, reload, loaded());
    // Servers loaded by this listing hold this part only: the other sources' keys too, before META_KEY.
    const fresh = reload.filter((l) => l.writable && l.needsReload);
    if (fresh.length > 0 && this.set.parts.length > 1) await this.store.writeTo(fresh, this.set.keysBeyond(this.state), this.set);
    await this.store.markLoaded(reload.filter((l) => l.up && l.needsReload), this.metaValue(), started);
    await this.store.writeMeta(loaded(), this.metaValue());
    p.summary.invalid_values = p.invalid.parts;
    this.lastSuccessMs = Date.now();
    p.summary.duration_ms = Date.now() - started;
    return p.summary;
  }

  private async writeBatch(p: Pass, reload: ServerLink[], loaded: ServerLink[]): Promise<number> {
    const dirty = p.dirty;
    const touched = p.touched ?? new Set<string>();
    p.dirty = new Set();
    if (p.touched) p.touched = new Set();
    for (const k of dirty) touched.add(k);
    const [a, b] = await Promise.all([
      this.store.writeTo(loaded, dirty, this.set),
      this.store.writeTo(reload.filter((l) => l.up && l.needsReload), touched, this.set),
    ]);
    return Math.max(a, b);
  }

  /** Applies what changed since the cursor. Requires a previous full sync. */
  async incrementalSync(): Promise<CycleSummary> {
    const started = Date.now();
    const since = this.cursor;
    if (since === null) throw new Error('incremental sync before any full sync');
    const p = this.newPass('incremental', false);
    const resync = this.applyEventHeads(await this.client.changedEvents(since), p);
    for await (const page of this.client.attributePages(this.filter.changesBody(since))) {
      if (page.unreadable > 0) p.summary.skipped.unreadable = (p.summary.skipped.unreadable ?? 0) + page.unreadable;
      await this.learnModels(page.attributes);
      for (const a of page.attributes) this.consider(a, p);
    }
    await this.resyncEvents(resync, p);
    this.syncedMs = started;
    await this.finishPass(p);
    this.cursor = Math.floor(started / 1000) - this.opts.overlapSeconds;
    this.lastSuccessMs = Date.now();
    p.summary.duration_ms = Date.now() - started;
    return p.summary;
  }

  /**
   * Takes in changed event heads. An event unpublished (with --published-only) loses its
   * attributes here; the ids of events whose qualification changed (new, published, retagged
   * with tag filters) are returned, to be listed again.
   */
  private applyEventHeads(heads: readonly MispEventHead[], p: Pass): string[] {
    const resync: string[] = [];
    for (const head of heads) {
      const before = this.state.event(head.id);
      const wasPublished = before?.published;
      const oldTags = before ? before.tags : null;
      const ev = this.state.upsertEvent(head, p.dirty);
      const rec = this.state.event(head.id)!;
      if (this.opts.publishedOnly && rec.published === false) {
        p.summary.attributes.removed += this.state.sweepEvent(ev, 0, p.dirty);
        continue;
      }
      const retagged = head.tags !== null && oldTags !== null && oldTags.join('\u0000') !== head.tags.join('\u0000');
      if (!before || wasPublished !== rec.published || (this.opts.tagFilters && retagged)) resync.push(head.id);
    }
    return resync;
  }

  /**
   * Lists the events' attributes again: MISP's list is authoritative, what it lacks is removed.
   * The uuids MISP listed (each one considered) go to `listed` when given.
   */
  private async resyncEvents(ids: readonly string[], p: Pass, listed?: Set<string>): Promise<void> {
    for (const id of ids) {
      const pass = this.state.newPass();
      p.pass = pass;
      for await (const page of this.client.attributePages({ ...this.filter.searchBody(p.now), eventid: id })) {
        await this.learnModels(page.attributes);
        for (const a of page.attributes) {
          listed?.add(a.uuid);
          this.consider(a, p);
        }
      }
      const ev = this.state.eventIndex(id);
      if (ev !== undefined) p.summary.attributes.removed += this.state.sweepEvent(ev, pass, p.dirty);
      p.summary.events_resynced++;
    }
  }

  /** Writes the pass's changed keys to the loaded servers (and the meta key when something changed). */
  private async finishPass(p: Pass): Promise<void> {
    this.state.compact();
    const loaded = this.store.links.filter((l) => l.up && !l.needsReload);
    p.summary.keys_written = await this.store.writeTo(loaded, p.dirty, this.set);
    if (p.summary.keys_written > 0) await this.store.writeMeta(loaded, this.metaValue());
    p.summary.invalid_values = p.invalid.parts;
  }

  /**
   * Applies what MISP announced on ZeroMQ. Each announced attribute is read back by uuid (one
   * restSearch per 500) and goes through the same filters, decay and merge as a polling sync;
   * one MISP no longer returns is removed. Announced events are read back by id (events/index)
   * and handled as an incremental sync handles changed events; published events are listed
   * again. Requires a previous full sync; never moves the incremental cursor.
   */
  async applyLive(batch: LiveBatch): Promise<CycleSummary> {
    const started = Date.now();
    if (this.cursor === null) throw new Error('live changes before any full sync');
    const p = this.newPass('live', false);
    for (const [id, deleted] of batch.events) {
      if (!deleted) continue;
      const ev = this.state.eventIndex(id);
      if (ev !== undefined) p.summary.attributes.removed += this.state.sweepEvent(ev, 0, p.dirty);
    }
    const changed = [...batch.events].filter(([, deleted]) => !deleted).map(([id]) => id);
    const resync = new Set(batch.eventAttributes);
    if (changed.length > 0) {
      const heads = await this.client.eventsById(changed);
      for (const id of this.applyEventHeads(heads, p)) resync.add(id);
      // An event MISP does not list any more is gone (or out of this key's sight).
      const listed = new Set(heads.map((h) => h.id));
      for (const id of changed) {
        const ev = listed.has(id) ? undefined : this.state.eventIndex(id);
        if (ev !== undefined) p.summary.attributes.removed += this.state.sweepEvent(ev, 0, p.dirty);
      }
    }
    // An attribute announced in an event listed again here was just read with it (a new event
    // published at once announces every attribute and the publication): not read twice.
    const listed = new Set<string>();
    await this.resyncEvents([...resync], p, listed);
    for (const uuid of batch.deleted) if (this.state.remove(uuid, p.dirty)) p.summary.attributes.removed++;
    const announced = batch.attributes.filter((uuid) => !listed.has(uuid));
    for (let i = 0; i < announced.length; i += UUIDS_PER_REQUEST) {
      const uuids = announced.slice(i, i + UUIDS_PER_REQUEST);
      const seen = new Set<string>();
      for await (const page of this.client.attributePages(this.filter.uuidsBody(uuids))) {
        await this.learnModels(page.attributes);
        for (const a of page.attributes) {
          seen.add(a.uuid);
          this.consider(a, p);
        }
      }
      for (const uuid of uuids) if (!seen.has(uuid) && this.state.remove(uuid, p.dirty)) p.summary.attributes.removed++;
    }
    this.syncedMs = Math.max(this.syncedMs, started);
    await this.finishPass(p);
    this.lastSuccessMs = Date.now();
    p.summary.duration_ms = Date.now() - started;
    return p.summary;
  }

  /** Removes what expired by now (decay threshold or --max-age) and writes its keys. */
  async expire(): Promise<CycleSummary> {
    const started = Date.now();
    const p = this.newPass('expiry', false);
    p.summary.attributes.removed = this.state.expire(Date.now() / 1000, p.dirty);
    if (p.summary.attributes.removed > 0) await this.finishPass(p);
    p.summary.duration_ms = Date.now() - started;
    return p.summary;
  }

  /** Unix seconds of the next expiry among stored attributes, or null. */
  nextExpiry(): number | null {
    return this.state.nextExpiry();
  }
}
