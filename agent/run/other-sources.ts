// The sources beside the main MISP instance: further MISP instances (--sources) and MISP feeds
// (--feed). Each is synced or read on its own into its part of the one set (sync/source-set.ts),
// keeps its last known-good part when it fails, is kept in a file beside the snapshot, expires
// at its moment and is hunted by the retro-hunt. The composition root (agent.ts) decides when:
// after the main instance's sync in each cycle, or alone when there is no main instance.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FeedReader } from '../feed/feed-reader.js';
import { FeedSync, type FeedSummary } from '../feed/feed-sync.js';
import type { MispClient } from '../misp/client.js';
import { AttributeFilter } from '../misp/filters.js';
import type { MispHttp } from '../misp/http.js';
import type { ZmqFeed } from '../misp/zmq-feed.js';
import { asAgentError, ErrorCodes, type AgentError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { readKeyFile, type AgentOptions } from '../ops/options.js';
import { AGENT_VERSION } from '../ops/version.js';
import type { HuntPart, RetroHunter } from '../retro/hunter.js';
import type { MemcachedStore } from '../store/memcached-writer.js';
import { readSnapshot, removeStaleTemporaries, writeSnapshot } from '../store/snapshot-file.js';
import type { SyncEngine } from '../sync/engine.js';
import { LiveQueue } from '../sync/live-queue.js';
import type { SetPart, SourceSet } from '../sync/source-set.js';
import { IndicatorState } from '../sync/state.js';
import { mispEngine, mispHttp } from './build.js';

/** ZeroMQ changes pending at most; past it they are dropped for an incremental sync (live-queue.ts). */
export const MAX_PENDING_CHANGES = 20_000;

/** A further MISP instance (--sources) as the agent runs it. */
export interface MispSource {
  name: string;
  http: MispHttp;
  client: MispClient;
  /** The instance's ZeroMQ changes not applied yet, and its feed (its `zmq` in --sources). */
  live: LiveQueue;
  zmq: string | undefined;
  feed: ZmqFeed | null;
  engine: SyncEngine;
  state: IndicatorState;
  lastFullMs: number;
  lastError: AgentError | null;
  lastSnapshotMs: number;
}

/** A MISP feed (--feed) as the agent runs it: its part, its HTTP client (null for a directory), when it is due. */
interface FeedPart {
  sync: FeedSync;
  http: MispHttp | null;
  nextMs: number;
}

/** What the other sources use of the agent around them, once the set and the store exist. */
export interface SourcesHost {
  store: MemcachedStore;
  set: SourceSet;
  /** META_KEY's value: the set's stamp, the main engine's. */
  metaValue(): string;
  stopping(): boolean;
}

export class OtherSources {
  readonly instances: MispSource[] = [];
  private readonly feeds: FeedPart[] = [];
  private readonly instanceStates: IndicatorState[];
  /**
   * Sources found beside the snapshot but no longer configured: their keys are rewritten from
   * what is left (deleted when nothing is) after the next full sync, then their file goes.
   */
  private retired: { name: string; path: string; state: IndicatorState }[] = [];
  private host: SourcesHost | null = null;
  private hunter: RetroHunter | null = null;
  /** The sources whose changes the retro-hunt follows (known()). */
  private readonly hunted = new Set<string>();

  constructor(private readonly opts: AgentOptions, private readonly log: Logger, private readonly metrics: Metrics) {
    for (const f of opts.feeds) {
      // A feed is read without a key, with the agent's TLS and proxy settings.
      const http = f.kind === 'url' ? mispHttp(opts, { baseUrl: f.location, apiKey: '', insecure: opts.insecure, caFile: opts.caFile, proxy: opts.proxy }, log, metrics) : null;
      const reader = new FeedReader(f.name, f.location, http, opts.maxResponseMb * 1024 * 1024);
      this.feeds.push({ sync: new FeedSync(reader, new AttributeFilter(opts), opts.maxRemovalShare), http, nextMs: 0 });
    }
    this.instanceStates = opts.sources.map(() => new IndicatorState());
  }

  /** Their parts of the one set: the instances', then the feeds'. */
  setParts(): SetPart[] {
    return [
      ...this.opts.sources.map((src, i) => ({ name: src.name, feed: false, state: this.instanceStates[i]! })),
      ...this.feeds.map((f) => ({ name: f.sync.name, feed: true, state: f.sync.state })),
    ];
  }

  /** Builds each further instance's client and engine (its key read from its file) over the set and the store. */
  connect(host: SourcesHost): void {
    this.host = host;
    for (const [i, src] of this.opts.sources.entries()) {
      const key = readKeyFile(src.apiKeyFile, `the apiKeyFile of source ${src.name},`);
      this.log.addSecret(key);
      const http = mispHttp(this.opts, { baseUrl: src.mispUrl, apiKey: key, insecure: src.insecure, caFile: src.caFile, proxy: src.proxy }, this.log, this.metrics);
      const state = this.instanceStates[i]!;
      const { client, engine } = mispEngine(this.opts, { ...this.opts, ...src.filter }, http, state, host.store, this.log, host.set, () => host.metaValue());
      this.instances.push({ name: src.name, http, client, live: new LiveQueue(MAX_PENDING_CHANGES), zmq: src.zmq, feed: null, engine, state, lastFullMs: 0, lastError: null, lastSnapshotMs: 0 });
    }
  }

  private get ready(): SourcesHost {
    if (!this.host) throw new Error('OtherSources used before connect()');
    return this.host;
  }

  /** What the retro-hunt hunts of them: each instance with its own client, each feed with no MISP. */
  huntParts(): HuntPart[] {
    return [
      ...this.instances.map((m) => ({ name: m.name, main: false, feed: false, state: m.state, eventContexts: (ids: string[]) => m.client.eventContexts(ids) })),
      ...this.feeds.map((f) => ({ name: f.sync.name, main: false, feed: true, state: f.sync.state, eventContexts: null })),
    ];
  }

  followHunts(hunter: RetroHunter): void {
    this.hunter = hunter;
  }

  /**
   * A source's part is known (its first sync or read went through, or its file was loaded): from
   * now on what becomes matchable in it is hunted, and with --retro-backfill all of it is hunted
   * once in this run (the main instance's backfill is remembered in its snapshot; a source's is
   * done again at each start: alerts are written once whatever is hunted twice).
   */
  private known(name: string, state: IndicatorState, hunt: () => void): void {
    if (!this.opts.retro || !this.hunter || this.hunted.has(name)) return;
    this.hunted.add(name);
    hunt();
    if (this.opts.retro.backfill) {
      const n = state.markAllForHunt();
      this.log.info(`retro-hunt backfill: hunting the past ${this.opts.retro.windowDays} days of all ${n} indicators of ${name}`, { indicators: n, source: name });
    }
    this.hunter.notify();
  }

  /** The first error of the last sync or read of any of them, or null. */
  firstError(): AgentError | null {
    return this.instances.find((m) => m.lastError !== null)?.lastError ?? this.feeds.find((f) => f.sync.lastError !== null)?.sync.lastError ?? null;
  }

  /** The oldest of their last successful syncs and reads (Unix ms), or 0 while one has none. */
  oldestSuccessMs(): number {
    const stamps = [...this.instances.map((m) => m.engine.syncedMs), ...this.feeds.map((f) => f.sync.lastSuccessMs)];
    return stamps.length === 0 || stamps.some((t) => t === 0) ? 0 : Math.min(...stamps);
  }

  /**
   * Syncs each further MISP instance as the main one is synced: full at start and every
   * --full-resync, else incremental. One that fails keeps its part; the others go on.
   */
  async syncInstances(): Promise<void> {
    for (const m of this.instances) {
      if (this.ready.stopping()) return;
      const started = Date.now();
      const full = m.engine.cursor === null || started - m.lastFullMs >= this.opts.fullResync * 1000;
      const mode = full ? 'full' : 'incremental';
      m.client.deadlineMs = started + this.opts.cycleTimeout * 1000;
      try {
        const s = full ? await m.engine.fullSync() : await m.engine.incrementalSync();
        if (full) m.lastFullMs = started;
        m.lastError = null;
        this.known(m.name, m.state, () => (m.engine.huntChanges = true));
        if (s.attributes.added + s.attributes.changed > 0) this.hunter?.notify();
        this.metrics.inc('source_syncs_total', { source: m.name, mode, result: 'ok' });
        this.metrics.set('source_attributes', m.state.attributeCount, { source: m.name });
        this.metrics.set('source_last_success_timestamp_seconds', Math.floor(m.engine.lastSuccessMs / 1000), { source: m.name });
        const { mode: _m, ...fields } = s;
        this.log.info(`source ${m.name}: ${mode} sync done`, { source: m.name, mode, ...fields });
        const changed = s.attributes.added + s.attributes.changed + s.attributes.removed > 0;
        if (changed && (full || Date.now() - m.lastSnapshotMs >= this.opts.snapshotInterval * 1000)) {
          await this.savePart(m.name, m.state, m.engine.syncedMs);
          m.lastSnapshotMs = Date.now();
        }
      } catch (err) {
        const e = asAgentError(err);
        if (this.ready.stopping()) return;
        m.lastError = e;
        if (e.code === ErrorCodes.MASS_REMOVAL) m.lastFullMs = started;
        this.metrics.inc('source_syncs_total', { source: m.name, mode, result: 'error' });
        this.log.error(`source ${m.name}: ${mode} sync failed: ${e.message}; keeping its last known-good part`, { code: e.code, source: m.name, mode });
      }
    }
  }

  /**
   * Reads the feeds that are due (all of them when forced) and writes what changed to the loaded
   * servers. A feed that fails keeps its part; the others go on.
   */
  async readFeeds(force: boolean): Promise<FeedSummary[]> {
    const { store, set } = this.ready;
    const out: FeedSummary[] = [];
    for (const f of this.feeds) {
      if (this.ready.stopping() || (!force && Date.now() < f.nextMs)) continue;
      f.nextMs = Date.now() + this.opts.feedInterval * 1000;
      const dirty = new Set<string>();
      const feed = f.sync.name;
      try {
        const s = await f.sync.sync(dirty);
        this.known(feed, f.sync.state, () => (f.sync.huntChanges = true));
        if (s.attributes.added + s.attributes.changed > 0) this.hunter?.notify();
        const loaded = store.links.filter((l) => l.up && !l.needsReload);
        const written = await store.writeTo(loaded, dirty, set);
        if (dirty.size > 0) {
          await store.writeMeta(loaded, this.ready.metaValue());
          await this.savePart(f.sync.name, f.sync.state, f.sync.lastSuccessMs);
        }
        this.metrics.inc('feed_syncs_total', { feed, result: 'ok' });
        this.metrics.set('feed_attributes', f.sync.state.attributeCount, { feed });
        this.metrics.set('feed_last_success_timestamp_seconds', Math.floor(f.sync.lastSuccessMs / 1000), { feed });
        this.log.info(`feed ${feed} read`, { ...s, keys_written: written });
        out.push(s);
      } catch (err) {
        const e = asAgentError(err);
        f.sync.lastError = e;
        if (this.ready.stopping()) return out;
        this.metrics.inc('feed_syncs_total', { feed, result: 'error' });
        this.log.error(`feed ${feed} failed: ${e.message}; keeping its last known-good part`, { code: e.code, feed });
        // A failed read is tried again at the next cycle, not a whole feed interval later.
        f.nextMs = Date.now() + this.opts.interval * 1000;
      }
    }
    return out;
  }

  /** Where a source's part is kept beside the snapshot. */
  private partFile(name: string): string {
    return `${this.opts.snapshot}.source-${name}`;
  }

  /**
   * The sources' parts from their files beside the snapshot, and the parts of sources no longer
   * configured. Returns the oldest stamp of the configured parts read (Unix ms), or 0.
   */
  async load(): Promise<number> {
    if (!this.opts.snapshot) return 0;
    const prefix = `${basename(this.opts.snapshot)}.source-`;
    let names: string[] = [];
    try {
      names = (await fsp.readdir(dirname(this.opts.snapshot))).filter((n) => n.startsWith(prefix) && !n.includes('.tmp-'));
    } catch {
      return 0;
    }
    let oldest = 0;
    for (const file of names) {
      const name = file.slice(prefix.length);
      const path = join(dirname(this.opts.snapshot), file);
      await removeStaleTemporaries(path);
      const feed = this.feeds.find((f) => f.sync.name === name);
      const misp = this.instances.find((m) => m.name === name);
      const state = feed ? feed.sync.state : misp ? misp.state : new IndicatorState();
      try {
        const header = await readSnapshot(path, state);
        if (header && (feed || misp)) {
          const ms = header.synced_at_ms ?? header.synced_at * 1000;
          oldest = oldest === 0 ? ms : Math.min(oldest, ms);
        }
      } catch (err) {
        const e = asAgentError(err);
        this.log.error(`${e.message}; the source ${name} is read again from its origin`, { code: e.code, source: name });
        continue;
      }
      feed?.sync.restored();
      // What changed in the source while the agent was down is hunted: its file is what it knew.
      if (feed) this.known(name, state, () => (feed.sync.huntChanges = true));
      if (misp) this.known(name, state, () => (misp.engine.huntChanges = true));
      if (!feed && !misp) {
        this.retired.push({ name, path, state });
        this.log.info(`source ${name} is no longer configured: its ${state.attributeCount} attributes go after the next full sync`, { source: name });
      }
    }
    return oldest;
  }

  /** True when a configured source's part holds anything (from its file). */
  hasData(): boolean {
    return this.setParts().some((p) => p.state.attributeCount > 0);
  }

  /** Writes one source's part beside the snapshot (after a sync that changed it). */
  private async savePart(name: string, state: IndicatorState, syncedMs: number): Promise<void> {
    if (!this.opts.snapshot) return;
    try {
      await writeSnapshot(this.partFile(name), state, { agentVersion: AGENT_VERSION, syncedMs });
    } catch (err) {
      const e = asAgentError(err);
      this.log.error(e.message, { code: e.code, source: name });
    }
  }

  /**
   * Removes the parts of sources taken out of the configuration: their keys get what the other
   * sources hold under them, or are deleted. Held back, like a full resync, when that would
   * remove more than --max-removal-share of the whole set.
   */
  async retire(): Promise<void> {
    if (this.retired.length === 0) return;
    const { store, set } = this.ready;
    const removing = this.retired.reduce((n, r) => n + r.state.attributeCount, 0);
    const total = removing + set.parts.reduce((n, p) => n + p.state.attributeCount, 0);
    if (removing / total > this.opts.maxRemovalShare) {
      this.metrics.inc('mass_removals_refused_total');
      this.log.error(`removing the sources no longer configured (${this.retired.map((r) => r.name).join(', ')}) would remove ${removing} of ${total} attributes, over --max-removal-share ` +
        `${this.opts.maxRemovalShare}: kept them (raise --max-removal-share to allow it)`, { code: ErrorCodes.MASS_REMOVAL });
      return;
    }
    const links = store.links.filter((l) => l.up);
    for (const r of this.retired) {
      const keys = [...r.state.keys()];
      const written = await store.writeTo(links, keys, set);
      await fsp.rm(r.path, { force: true });
      this.log.info(`source ${r.name} removed from the set: ${keys.length} keys rewritten or deleted`, { source: r.name, keys: keys.length, keys_written: written });
    }
    await store.writeMeta(links.filter((l) => !l.needsReload), this.ready.metaValue());
    this.retired = [];
  }

  /** Unix seconds of the next expiry among their stored attributes, or null. */
  nextExpiry(): number | null {
    const due = [...this.instances.map((m) => m.engine.nextExpiry()), ...this.feeds.map((f) => f.sync.state.nextExpiry())].filter((t): t is number => t !== null);
    return due.length === 0 ? null : Math.min(...due);
  }

  /** Each source's expiries, as an expiry step of the agent runs them: [source, remove what expired; how many]. */
  expiries(): [string, () => Promise<number>][] {
    return [
      ...this.instances.map((m) => [m.name, () => this.expireInstance(m)] as [string, () => Promise<number>]),
      ...this.feeds.map((f) => [f.sync.name, () => this.expireFeed(f.sync)] as [string, () => Promise<number>]),
    ];
  }

  /** An instance's expired attributes out of its part, the servers and its file; how many. */
  private async expireInstance(m: MispSource): Promise<number> {
    const removed = (await m.engine.expire()).attributes.removed;
    if (removed > 0) await this.savePart(m.name, m.state, m.engine.syncedMs);
    return removed;
  }

  /** A feed's expired attributes out of its part, the loaded servers and its file; how many. */
  private async expireFeed(feed: FeedSync): Promise<number> {
    const { store, set } = this.ready;
    const dirty = new Set<string>();
    const removed = feed.state.expire(Date.now() / 1000, dirty);
    if (removed === 0) return 0;
    await store.writeTo(store.links.filter((l) => l.up && !l.needsReload), dirty, set);
    await this.savePart(feed.name, feed.state, feed.lastSuccessMs);
    return removed;
  }

  /** Their entries of /healthz. */
  health(): { sources?: unknown[]; feeds?: unknown[] } {
    const error = (e: AgentError | null) => (e ? { code: e.code, message: e.message } : null);
    const at = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
    return {
      ...(this.instances.length > 0
        ? { sources: this.instances.map((m) => ({ name: m.name, attributes: m.state.attributeCount, last_success: at(m.engine.lastSuccessMs), last_error: error(m.lastError) })) }
        : {}),
      ...(this.feeds.length > 0
        ? { feeds: this.feeds.map((f) => ({ name: f.sync.name, attributes: f.sync.state.attributeCount, last_success: at(f.sync.lastSuccessMs), last_error: error(f.sync.lastError) })) }
        : {}),
    };
  }

  /** Follows each instance's ZeroMQ feed where its entry names one (`open`: the agent's, which wakes its loop). */
  async follow(open: (endpoint: string, live: LiveQueue, connected: (up: boolean) => void) => Promise<ZmqFeed>): Promise<void> {
    for (const m of this.instances) {
      if (m.zmq) m.feed = await open(m.zmq, m.live, (up) => this.metrics.set('source_zmq_connected', up ? 1 : 0, { source: m.name }));
    }
  }

  /** True when an instance's queue of announced changes overflowed (a sync takes over); clears the marks. */
  takeOverflow(): boolean {
    const any = this.instances.some((m) => m.live.overflowed);
    for (const m of this.instances) m.live.overflowed = false;
    return any;
  }

  /** An instance whose announced changes wait and can be applied, or undefined. */
  announced(): MispSource | undefined {
    return this.instances.find((m) => m.live.size > 0 && m.engine.cursor !== null);
  }

  /** Applies what an instance's ZeroMQ feed announced; false when it failed (a sync cycle takes over). */
  async applyLive(m: MispSource): Promise<boolean> {
    const announced = m.live.size;
    const batch = m.live.take();
    m.client.deadlineMs = Date.now() + this.opts.cycleTimeout * 1000;
    try {
      const s = await m.engine.applyLive(batch);
      this.metrics.inc('live_updates_total', { result: 'ok' });
      const { mode: _m, ...fields } = s;
      this.log.info(`source ${m.name}: live update applied`, { source: m.name, announced, ...fields });
      if (s.attributes.added + s.attributes.changed > 0) this.hunter?.notify();
      return true;
    } catch (err) {
      const e = asAgentError(err);
      if (this.ready.stopping()) return true;
      this.metrics.inc('live_updates_total', { result: 'error' });
      this.log.error(`source ${m.name}: live update failed: ${e.message}; a sync follows`, { code: e.code, source: m.name });
      return false;
    }
  }

  /** Abandons their requests in flight (a stop). */
  abort(): void {
    for (const f of this.feeds) f.http?.abort();
    for (const m of this.instances) m.http.abort();
  }

  async close(): Promise<void> {
    for (const m of this.instances) {
      m.feed?.close();
      m.feed = null;
    }
    for (const f of this.feeds) await f.http?.close();
    for (const m of this.instances) await m.http.close();
  }
}
