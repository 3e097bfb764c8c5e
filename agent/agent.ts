// The composition root: builds the MISP client, the index, the memcached store and the sync
// engine from the options, and runs either one full sync (--once) or the cycle loop. A cycle
// first checks every memcached server (reloading an empty or restarted one from memory), then
// syncs with MISP (full when due, else incremental), then refreshes TTLs when due. A failed
// MISP sync never removes anything: the last known-good set stays in memcached.
//
// With --zmq, changes MISP announces on its ZeroMQ feed are queued and applied between cycles
// (live updates), and a reconnect, a silence or a heartbeat of the feed asks for an incremental
// sync at once. With --decay or --max-age, the loop also wakes at the next expiry and removes
// what expired. One loop does all of it, one thing at a time, so the index and memcached only
// ever see one writer. The other sources (--sources, --feed; run/other-sources.ts) are synced in
// the same cycle after the main instance, or alone when there is none (sourcesCycle); how each
// source's clients and engines are built is run/build.ts.
import { MAIN_SOURCE_NAME } from '../plugin/core/config/misp-sources.js';
import { INDICATOR_KINDS } from '../plugin/core/ioc/index.js';
import type { FeedSummary } from './feed/feed-sync.js';
import type { MispClient } from './misp/client.js';
import type { MispHttp } from './misp/http.js';
import { ZmqFeed, type GapReason } from './misp/zmq-feed.js';
import { AgentError, asAgentError, ErrorCodes } from './ops/errors.js';
import type { Logger } from './ops/logger.js';
import { declareAgentMetrics, Metrics } from './ops/metrics.js';
import { checkRunOptions, securityWarnings, type AgentOptions } from './ops/options.js';
import { startOpsServer, type Health } from './ops/http-server.js';
import { AGENT_VERSION } from './ops/version.js';
import { retroCore } from './retro/hunt-match.js';
import { RetroHunter, type HuntPart, type HuntSummary } from './retro/hunter.js';
import { RestSearchEngine, retroSecrets } from './retro/rest-engine.js';
import { syncParts } from './run/build.js';
import { MAX_PENDING_CHANGES, OtherSources } from './run/other-sources.js';
import { estimateBytes, type MemcachedStore } from './store/memcached-writer.js';
import { readSnapshot, removeStaleTemporaries, writeSnapshot } from './store/snapshot-file.js';
import type { CycleSummary, SyncEngine } from './sync/engine.js';
import { LiveQueue } from './sync/live-queue.js';
import { SourceSet } from './sync/source-set.js';
import { IndicatorState } from './sync/state.js';

export interface OnceSummary {
  ok: true;
  mode: 'full';
  duration_ms: number;
  attributes: number;
  /** Stored attributes per MISP type. */
  types: Record<string, number>;
  /** Indicator keys per indicator kind. */
  indicators: Record<string, number>;
  skipped: Record<string, number>;
  invalid_values: number;
  keys_written: number;
  memcached: { server: string; loaded: boolean }[];
  /** With --feed: what each feed's read brought. */
  feeds?: FeedSummary[];
  /** With --retro-url: what the retro-hunt did before --once exited. */
  retro?: HuntSummary & { queued: number };
}

/** Counts per name, summed over several lists. */
function sumCounts(lists: [string, number][][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const list of lists) for (const [k, n] of list) out[k] = (out[k] ?? 0) + n;
  return out;
}

export class Agent {
  readonly metrics = new Metrics();
  private readonly state = new IndicatorState();
  /** What every memcached server gets: the main instance's part and the other sources'. */
  private readonly set: SourceSet;
  /** --sources and --feed: the further MISP instances and the MISP feeds, each in its own part of the set. */
  private readonly others: OtherSources;
  /** The main MISP instance (--misp-url); both null when feeds and further instances alone make the set. */
  private readonly http: MispHttp | null;
  private readonly client: MispClient | null;
  private readonly store: MemcachedStore;
  private readonly engine: SyncEngine;
  private hasData = false;
  private fromSnapshot = false;
  private lastFullMs = 0;
  private lastError: AgentError | null = null;
  private lastSnapshotMs = 0;
  private snapshotDirty = false;
  private stopping = false;
  private wake: (() => void) | null = null;
  private opsServer: { close(): void } | null = null;
  private readonly startedMs = Date.now();
  private readonly live = new LiveQueue(MAX_PENDING_CHANGES);
  private feed: ZmqFeed | null = null;
  /** Why an incremental sync is wanted now (a gap in the ZeroMQ feed), or null. */
  private syncWanted: GapReason | 'live-failed' | null = null;
  /** Unix ms of the next polling cycle. */
  private nextCycleMs = 0;
  /** Unix seconds of the next expiry, or null (recomputed after every change to the index). */
  private nextExpiryS: number | null = null;
  /** The retro-hunt (--retro-url), or null. */
  private readonly hunter: RetroHunter | null = null;
  private readonly searchEngine: RestSearchEngine | null = null;
  /** The --retro-window of the last completed --retro-backfill (from the snapshot). */
  private retroBackfilledDays: number | undefined;

  constructor(private readonly opts: AgentOptions, apiKey: string, private readonly log: Logger) {
    checkRunOptions(opts);
    // One sync then exit: a feed it would never read is a mistake to say, not to ignore.
    if (opts.once && opts.zmq) {
      throw new AgentError(ErrorCodes.CONFIG, "--once runs one full sync and exits, so it cannot follow --zmq; drop one of them (with zmq in the config file: --once --zmq='')");
    }
    // A lease is held by a running agent; one that exits at once would only make the other wait.
    if (opts.once && opts.haLease > 0) throw new AgentError(ErrorCodes.CONFIG, '--once cannot take part in high availability (--ha-lease): drop one of them');
    for (const w of securityWarnings(opts)) log.warn(w.message, { code: w.code });
    declareAgentMetrics(this.metrics, { version: AGENT_VERSION, servers: opts.memcached, kinds: INDICATOR_KINDS, zmq: opts.zmq !== undefined, retro: opts.retro !== null, ha: opts.haLease > 0, feeds: opts.feeds.map((f) => f.name), sources: opts.sources.map((src) => src.name), mainMisp: opts.mispUrl !== null });
    this.others = new OtherSources(opts, log, this.metrics);
    this.set = new SourceSet([{ name: MAIN_SOURCE_NAME, feed: false, main: true, state: this.state }, ...this.others.setParts()]);
    const parts = syncParts(opts, apiKey, this.state, log, this.metrics, this.set);
    this.http = parts.http;
    this.client = parts.client;
    this.store = parts.store;
    this.engine = parts.engine;
    this.others.connect({ store: this.store, set: this.set, metaValue: () => this.engine.metaValue(), stopping: () => this.stopping });
    // The retro-hunt hunts every source's indicators: the main instance's, each further one's, each feed's.
    if (opts.retro) {
      for (const secret of retroSecrets(opts.retro)) log.addSecret(secret);
      this.searchEngine = new RestSearchEngine(
        {
          urls: opts.retro.urls,
          timeoutSeconds: opts.retro.timeout,
          retries: 3,
          userAgent: `misp-enrich-agent/${AGENT_VERSION}`,
          maxResponseBytes: 256 * 1024 * 1024,
          ...(opts.retro.apiKeyFile ? { apiKeyFile: opts.retro.apiKeyFile } : {}),
          ...(opts.retro.user ? { user: opts.retro.user } : {}),
          ...(opts.retro.passwordFile ? { passwordFile: opts.retro.passwordFile } : {}),
          ...(opts.retro.caFile ? { caFile: opts.retro.caFile } : {}),
        },
        log,
      );
      const client = this.client;
      const parts: HuntPart[] = [
        ...(client ? [{ name: MAIN_SOURCE_NAME, main: true, feed: false, state: this.state, eventContexts: (ids: string[]) => client.eventContexts(ids) }] : []),
        ...this.others.huntParts(),
      ];
      this.hunter = new RetroHunter(opts.retro, this.searchEngine, parts, retroCore(opts.retro.fields, opts.mispUrl, opts.sources), log, this.metrics);
      this.others.followHunts(this.hunter);
    }
  }

  /**
   * The retro-hunt's workers: they reach the search engine and install the alerts index's
   * templates before their first hunt, so an engine that does not answer yet never keeps the
   * agent from loading memcached.
   */
  private startRetro(): void {
    this.hunter?.start();
  }

  /**
   * After a full sync: from now on every change is hunted, and --retro-backfill flags the whole
   * set once (again only when --retro-window grew since the last backfill).
   */
  private afterFullSync(): void {
    if (!this.opts.retro || !this.hunter) return;
    this.engine.huntChanges = true;
    const done = this.retroBackfilledDays;
    if (this.opts.retro.backfill && (done === undefined || done < this.opts.retro.windowDays)) {
      const n = this.state.markAllForHunt();
      this.retroBackfilledDays = this.opts.retro.windowDays;
      this.snapshotDirty = true;
      this.log.info(`retro-hunt backfill: hunting the past ${this.opts.retro.windowDays} days of all ${n} stored indicators`, { indicators: n });
    }
    this.hunter.notify();
  }

  private async loadSnapshot(): Promise<void> {
    if (!this.opts.snapshot) return;
    const started = Date.now();
    for (const name of await removeStaleTemporaries(this.opts.snapshot)) {
      this.log.info(`removed ${name}, a snapshot an earlier agent did not finish writing`);
    }
    // Without a main instance there is no main part to keep: each source has its own file.
    if (this.client === null) {
      const oldest = await this.others.load();
      if (oldest > 0) this.engine.syncedMs = oldest;
      if (this.others.hasData()) {
        this.hasData = true;
        this.fromSnapshot = true;
      }
      return;
    }
    try {
      const header = await readSnapshot(this.opts.snapshot, this.state);
      if (!header) return;
      this.hasData = this.state.attributeCount > 0;
      this.fromSnapshot = true;
      this.engine.syncedMs = header.synced_at_ms ?? header.synced_at * 1000;
      this.retroBackfilledDays = header.retro_backfilled_days;
      // What changed in MISP while the agent was down is hunted: the snapshot is what it knew.
      this.engine.huntChanges = this.opts.retro !== null;
      this.log.info(`loaded snapshot ${this.opts.snapshot}: ${this.state.attributeCount} attributes, ${this.state.keyCount} keys`, {
        attributes: this.state.attributeCount,
        keys: this.state.keyCount,
        written_at: header.written_at,
        ms: Date.now() - started,
      });
    } catch (err) {
      const e = asAgentError(err);
      this.log.error(`${e.message}; starting without it`, { code: e.code });
    }
    await this.others.load();
  }

  private async saveSnapshot(): Promise<void> {
    // Without a main instance its part is empty: the sources' parts have files of their own.
    if (!this.opts.snapshot || this.client === null) return;
    const started = Date.now();
    try {
      await writeSnapshot(this.opts.snapshot, this.state, {
        agentVersion: AGENT_VERSION,
        syncedMs: this.engine.syncedMs,
        ...(this.retroBackfilledDays !== undefined ? { retroBackfilledDays: this.retroBackfilledDays } : {}),
      });
      this.lastSnapshotMs = Date.now();
      this.snapshotDirty = false;
      this.metrics.inc('snapshot_writes_total');
      this.log.debug(`snapshot written to ${this.opts.snapshot}`, { ms: Date.now() - started });
    } catch (err) {
      const e = asAgentError(err);
      this.log.error(e.message, { code: e.code });
    }
  }

  private updateGauges(): void {
    this.metrics.replace('indicators', [...this.state.kindCounts()].map(([kind, n]) => [{ kind }, n] as [Record<string, string>, number]));
    this.metrics.set('attributes', this.state.attributeCount);
    if (this.engine.lastSuccessMs > 0) this.metrics.set('last_success_timestamp_seconds', Math.floor(this.engine.lastSuccessMs / 1000));
    if (this.lastFullMs > 0) this.metrics.set('last_full_sync_timestamp_seconds', Math.floor(this.lastFullMs / 1000));
  }

  private recordSummary(s: CycleSummary): void {
    this.metrics.observe('sync_duration_seconds', s.duration_ms / 1000, { mode: s.mode });
    this.metrics.set('sync_last_duration_seconds', s.duration_ms / 1000, { mode: s.mode });
    for (const [reason, n] of Object.entries(s.skipped)) this.metrics.inc('skipped_values_total', { reason }, n);
    if (s.invalid_values > 0) this.metrics.inc('skipped_values_total', { reason: 'invalid_part' }, s.invalid_values);
  }

  /** --once: one full sync; throws an AgentError when MISP or every memcached server failed. */
  async once(): Promise<OnceSummary> {
    try {
      await this.loadSnapshot();
      await this.store.checkAll();
      if (!this.store.links.some((l) => l.up)) {
        throw new AgentError(ErrorCodes.MEMCACHED, `no memcached server answered (${this.opts.memcached.join(', ')})`);
      }
      const started = Date.now();
      let s: CycleSummary | null = null;
      if (this.client) {
        this.client.deadlineMs = started + this.opts.cycleTimeout * 1000;
        s = await this.engine.fullSync();
        this.recordSummary(s);
        await this.others.retire();
      }
      await this.others.syncInstances();
      // A failing instance stops the run before any feed is read or written.
      const instanceFailed = this.others.instances.find((m) => m.lastError !== null);
      if (instanceFailed) throw instanceFailed.lastError!;
      const feeds = await this.others.readFeeds(true);
      const failed = this.others.firstError();
      if (failed) throw failed;
      if (!this.client) {
        // Feeds and further instances alone: every one was read just now.
        this.engine.syncedMs = started;
        this.hasData = true;
        await this.others.retire();
      }
      if (this.hasData || this.state.attributeCount > 0) await this.store.reloadWhereNeeded(this.set, this.engine.metaValue(), 'memory');
      let retro: OnceSummary['retro'];
      if (this.hunter) {
        this.afterFullSync();
        this.startRetro();
        await this.hunter.drained();
        await this.hunter.stop();
        retro = { ...this.hunter.totals, queued: this.hunter.queued };
      }
      const unloaded = this.store.links.filter((l) => !l.up || l.needsReload);
      if (unloaded.length > 0) {
        throw new AgentError(ErrorCodes.MEMCACHED, `memcached ${unloaded.map((l) => l.address).join(', ')} did not take the full set`);
      }
      await this.saveSnapshot();
      // With a main instance its sync is summed up (the other sources have lines of their own);
      // without one, the set of the other sources.
      const parts = s ? [this.state] : this.set.parts.map((p) => p.state);
      return {
        ok: true,
        mode: 'full',
        duration_ms: s ? s.duration_ms : Date.now() - started,
        attributes: parts.reduce((n, p) => n + p.attributeCount, 0),
        types: sumCounts(parts.map((p) => Object.entries(p.typeCounts()))),
        indicators: sumCounts(parts.map((p) => [...p.kindCounts()])),
        skipped: s?.skipped ?? {},
        invalid_values: s?.invalid_values ?? 0,
        keys_written: s?.keys_written ?? 0,
        memcached: this.store.links.map((l) => ({ server: l.address, loaded: !l.needsReload })),
        ...(feeds.length > 0 ? { feeds } : {}),
        ...(retro ? { retro } : {}),
      };
    } finally {
      await this.close();
    }
  }

  /**
   * No successful sync for three intervals plus a whole cycle's timeout: whatever the last error
   * says, what memcached holds is getting old.
   */
  private stale(): boolean {
    const since = this.engine.lastSuccessMs || this.startedMs;
    return Date.now() - since > (3 * this.opts.interval + this.opts.cycleTimeout) * 1000;
  }

  health(): Health {
    const stale = this.stale();
    return {
      // A standby in HA (--ha-lease) serves through the agent that holds the lease.
      ok: this.engine.lastSuccessMs > 0 && this.lastError === null && !stale && this.store.links.some((l) => l.up && (!l.needsReload || (l.lease !== null && !l.lease.held()))),
      version: AGENT_VERSION,
      stale,
      last_success: this.engine.lastSuccessMs > 0 ? new Date(this.engine.lastSuccessMs).toISOString() : null,
      last_error: this.lastError ? { code: this.lastError.code, message: this.lastError.message } : null,
      attributes: this.state.attributeCount,
      indicators: this.state.keyCount,
      memcached: this.store.links.map((l) => ({ server: l.address, up: l.up, loaded: !l.needsReload, ...(l.lease ? { lease: l.lease.held() } : {}) })),
      ...this.others.health(),
      ...(this.hunter ? { retro: { engine: this.searchEngine!.description, queued: this.hunter.queued, ...this.hunter.totals } } : {}),
    };
  }

  /**
   * The long-running agent, until stop(). Whatever fails at start (the ops port, the ZeroMQ
   * addon, ...) is thrown after everything opened so far is closed, so the process can exit.
   */
  async run(): Promise<void> {
    try {
      await this.runLoop();
    } finally {
      await this.close();
    }
  }

  private async runLoop(): Promise<void> {
    if (this.opts.metricsListen) {
      this.metrics.withProcessMetrics();
      const { server, address } = await startOpsServer(this.opts.metricsListen, this.metrics, () => this.health(), this.log.redactor);
      this.opsServer = server;
      this.log.info(`metrics and health on http://${address}/metrics and /healthz`, { listen: address });
    }
    await this.loadSnapshot();
    this.updateGauges();
    await this.store.checkAll();
    if (!this.store.links.some((l) => l.up)) {
      // Said now, not only at a later up-to-down change: the agent keeps trying every cycle.
      this.log.warn(`no memcached server answers (${this.opts.memcached.join(', ')}): nothing can be loaded until one does; retrying every cycle`, {
        code: ErrorCodes.MEMCACHED,
      });
    }
    if (this.opts.zmq) this.feed = await this.openFeed(this.opts.zmq);
    await this.others.follow((endpoint, live, connected) => this.openFeed(endpoint, live, connected));
    this.startRetro();
    this.nextExpiryS = this.nextExpiry();
    while (!this.stopping) {
      const now = Date.now();
      // Expiry first: what expired while the agent was down (from the snapshot) goes before the
      // first sync, which would otherwise count it as removals (--max-removal-share).
      if (this.nextExpiryS !== null && this.nextExpiryS * 1000 <= now) {
        await this.expire();
        continue;
      }
      const overflowed = this.others.takeOverflow() || this.live.overflowed;
      if (now >= this.nextCycleMs || this.syncWanted !== null || overflowed) {
        const why = overflowed ? 'overflow' : this.syncWanted;
        if (why !== null) this.log.debug(`sync now: ${why}`);
        this.syncWanted = null;
        this.live.overflowed = false;
        const started = Date.now();
        await this.cycle();
        // The next poll counts from the start of the last sync, whatever started it.
        this.nextCycleMs = started + this.opts.interval * 1000;
        continue;
      }
      if (this.live.size > 0 && this.engine.cursor !== null) {
        await this.applyLive();
        continue;
      }
      const announced = this.others.announced();
      if (announced) {
        if (!(await this.others.applyLive(announced))) this.syncWanted ??= 'live-failed';
        // A change may bring an earlier expiry.
        this.nextExpiryS = this.nextExpiry();
        continue;
      }
      const until = Math.min(this.nextCycleMs, this.nextExpiryS === null ? Infinity : this.nextExpiryS * 1000);
      await this.sleep(until - now);
    }
    // The hunts in flight are aborted and flagged again, so the snapshot keeps them.
    await this.hunter?.stop();
    if (this.snapshotDirty || (this.hunter && this.state.huntPending > 0)) await this.saveSnapshot();
  }

  /** Waits ms, or until something wakes the loop (a change, a gap, a stop). */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = null;
  }

  /** Follows a MISP instance's ZeroMQ feed: the main one's (--zmq), or another's (its `zmq` in --sources). */
  private async openFeed(endpoint: string, live: LiveQueue = this.live, connected: (up: boolean) => void = (up) => this.metrics.set('zmq_connected', up ? 1 : 0)): Promise<ZmqFeed> {
    connected(false);
    return ZmqFeed.open(
      { endpoint, heartbeatSeconds: this.opts.zmqHeartbeat, maxMessageBytes: this.opts.maxResponseMb * 1024 * 1024, decay: this.opts.decay },
      {
        change: (c) => {
          live.add(c);
          this.wake?.();
        },
        gap: (reason) => {
          this.metrics.inc('zmq_gaps_total', { reason });
          this.syncWanted ??= reason;
          this.wake?.();
        },
        counted: (topic, result) => this.metrics.inc('zmq_messages_total', { topic, result }),
        connected,
      },
      this.log,
    );
  }

  /** Applies the changes the ZeroMQ feed announced; on failure an incremental sync takes over. */
  private async applyLive(): Promise<void> {
    const announced = this.live.size;
    const batch = this.live.take();
    if (this.client) this.client.deadlineMs = Date.now() + this.opts.cycleTimeout * 1000;
    try {
      const s = await this.engine.applyLive(batch);
      this.metrics.inc('live_updates_total', { result: 'ok' });
      if (s.attributes.added + s.attributes.changed + s.attributes.removed > 0) this.snapshotDirty = true;
      const { mode: _m, ...fields } = s;
      this.log.info('live update applied', { announced, ...fields });
      this.hunter?.notify();
    } catch (err) {
      const e = asAgentError(err);
      if (this.stopping) {
        this.log.info('live update abandoned: the agent is stopping; the next start syncs in full');
        return;
      }
      this.metrics.inc('live_updates_total', { result: 'error' });
      this.log.error(`live update failed: ${e.message}; an incremental sync follows`, { code: e.code });
      this.syncWanted ??= 'live-failed';
    }
    this.nextExpiryS = this.nextExpiry();
    this.updateGauges();
  }

  /** Unix seconds of the next expiry among every source's stored attributes, or null. */
  private nextExpiry(): number | null {
    const due = [this.engine.nextExpiry(), this.others.nextExpiry()].filter((t): t is number => t !== null);
    return due.length === 0 ? null : Math.min(...due);
  }

  /**
   * Removes what expired (decay threshold or --max-age) from every source's part at its moment,
   * without waiting for the source's next sync or read.
   */
  private async expire(): Promise<void> {
    const parts: [string | null, () => Promise<number>][] = [[null, async () => (await this.engine.expire()).attributes.removed], ...this.others.expiries()];
    for (const [source, expire] of parts) {
      try {
        const removed = await expire();
        if (removed > 0) {
          if (source === null) this.snapshotDirty = true;
          this.metrics.inc('expired_total', {}, removed);
          this.log.info(`expired ${removed} attributes (decay threshold or --max-age)${source === null ? '' : ` of ${source}`}`, { removed, ...(source === null ? {} : { source }) });
        }
      } catch (err) {
        const e = asAgentError(err);
        this.log.error(`expiry failed: ${e.message}`, { code: e.code, ...(source === null ? {} : { source }) });
      }
    }
    this.nextExpiryS = this.nextExpiry();
    // An expiry that keeps failing must not spin: try again at the next second at the earliest.
    if (this.nextExpiryS !== null) this.nextExpiryS = Math.max(this.nextExpiryS, Math.floor(Date.now() / 1000) + 1);
    this.updateGauges();
  }

  /**
   * Ends the loop after the current step. MISP requests in flight and retry waits are abandoned
   * at once (a failed cycle keeps the last known-good set); run() then writes the snapshot if it
   * changed, and closes everything.
   */
  stop(): void {
    this.stopping = true;
    this.http?.abort();
    this.others.abort();
    this.wake?.();
  }

  private reloadSource(): string {
    return this.engine.lastSuccessMs > 0 ? 'memory' : this.fromSnapshot ? 'snapshot' : 'memory';
  }

  private async cycle(): Promise<void> {
    if (this.client === null) return this.sourcesCycle();
    await this.store.checkAll();
    if (this.hasData) await this.store.reloadWhereNeeded(this.set, this.engine.metaValue(), this.reloadSource());
    const full = this.engine.cursor === null || Date.now() - this.lastFullMs >= this.opts.fullResync * 1000;
    const mode = full ? 'full' : 'incremental';
    const started = Date.now();
    this.client.deadlineMs = started + this.opts.cycleTimeout * 1000;
    let result: 'ok' | 'error' = 'error';
    try {
      const s = full ? await this.engine.fullSync() : await this.engine.incrementalSync();
      this.hasData = true;
      this.lastError = null;
      if (full) {
        this.lastFullMs = started;
        this.afterFullSync();
        await this.others.retire();
      } else this.hunter?.notify();
      this.recordSummary(s);
      result = 'ok';
      const changed = s.attributes.added + s.attributes.changed + s.attributes.removed > 0;
      if (changed) this.snapshotDirty = true;
      const { mode: _m, ...fields } = s;
      const mem = process.memoryUsage();
      const stored = this.store.links.some((l) => l.up);
      // A sync whose keys no server took is not "done" for the filter: said at warn.
      this.log[stored ? 'info' : 'warn'](stored ? `${mode} sync done` : `${mode} sync done with MISP, but no memcached server took the keys`, {
        ...(stored ? {} : { code: ErrorCodes.MEMCACHED }),
        mode,
        ...fields,
        indicators: this.state.keyCount,
        rss_mb: Math.round(mem.rss / 1048576),
        heap_mb: Math.round(mem.heapUsed / 1048576),
        external_mb: Math.round(mem.external / 1048576),
      });
      if (full) {
        this.store.estimatedBytes = estimateBytes(this.set, this.set.keyCount);
        this.metrics.set('stored_bytes_estimate', this.store.estimatedBytes);
      }
      if (this.snapshotDirty && (full || Date.now() - this.lastSnapshotMs >= this.opts.snapshotInterval * 1000)) await this.saveSnapshot();
    } catch (err) {
      result = 'error';
      const e = asAgentError(err);
      if (this.stopping) {
        this.log.info(`${mode} sync abandoned: the agent is stopping; keeping the last known-good set in memcached`, { mode });
        return;
      }
      this.lastError = e;
      // The listing itself went through: the next full resync comes at its usual time, not at
      // every cycle, and incremental syncs go on meanwhile.
      if (e.code === ErrorCodes.MASS_REMOVAL) {
        this.lastFullMs = started;
        this.hasData = true;
        this.metrics.inc('mass_removals_refused_total');
      }
      this.log.error(`${mode} sync failed: ${e.message}; keeping the last known-good set in memcached`, { code: e.code, mode });
    }
    try {
      // The other sources only once the main MISP's part is in place (its first full sync loads the servers).
      if (this.hasData) await this.others.syncInstances();
      if (this.hasData) await this.others.readFeeds(false);
      if (this.hasData) await this.store.reloadWhereNeeded(this.set, this.engine.metaValue(), this.reloadSource());
      this.nextExpiryS = this.nextExpiry();
      this.updateGauges();
    } finally {
      // Counted last: whoever waits for a cycle (a spec, a dashboard) then sees its gauges too.
      this.metrics.inc('sync_cycles_total', { mode, result });
    }
  }

  /**
   * A cycle without a main MISP instance (no --misp-url): the feeds and further instances are
   * read as in any cycle, then the servers that need it are loaded with the whole set. The set's
   * moment (META_KEY synced_at) is the oldest of its sources' last reads, so it never claims more
   * freshness than its stalest part; it moves only once every source has been read.
   */
  private async sourcesCycle(): Promise<void> {
    await this.store.checkAll();
    let result: 'ok' | 'error' = 'error';
    try {
      await this.others.syncInstances();
      await this.others.readFeeds(false);
      if (this.stopping) return;
      const failed = this.others.firstError();
      this.lastError = failed;
      const oldest = this.others.oldestSuccessMs();
      if (oldest > 0) this.engine.syncedMs = Math.max(this.engine.syncedMs, oldest);
      this.hasData = true;
      if (failed === null) {
        this.engine.lastSuccessMs = Date.now();
        await this.others.retire();
        result = 'ok';
      }
      await this.store.reloadWhereNeeded(this.set, this.engine.metaValue(), this.reloadSource());
      await this.store.writeMeta(this.store.links.filter((l) => l.up && !l.needsReload), this.engine.metaValue());
      this.nextExpiryS = this.nextExpiry();
      this.updateGauges();
    } finally {
      this.metrics.inc('sync_cycles_total', { mode: 'sources', result });
    }
  }

  async close(): Promise<void> {
    await this.hunter?.stop();
    this.feed?.close();
    this.feed = null;
    this.store.close();
    await this.http?.close();
    await this.others.close();
    this.opsServer?.close();
  }
}
