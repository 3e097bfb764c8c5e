// Writes the indicator set to every listed memcached server. Each server gets its own memjs
// client and every key (no client-side sharding): each Logstash host reads its own memcached and
// the filter fails over between servers, so no hash ring has to agree between Node and Java.
// Writes are pipelined (many requests in flight on one connection) rather than one round trip
// each. A server that is empty (META_KEY missing) or restarted (its start time moved) is
// reloaded from the agent's index, which needs no MISP — unless the server holds a newer set than
// the agent (another agent wrote it, or this one before a restart from an older snapshot): an
// older set is never written over a newer one (see reloadWhereNeeded).
//
// The same keys go to every server: each value is computed once per batch of keys, the batch is
// encoded once in memcached's binary protocol (quiet-batch.ts) and the same bytes go to every
// server at once (fanOut), so twenty servers cost twenty socket writes, not twenty times the work. With --ha-lease, a server is written only by the agent holding its lease
// (lease.ts).
import memjs from 'memjs';
import { decodeMeta, META_KEY } from '../../plugin/core/ioc/index.js';
import { ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { Lease, type LeaseOptions } from './lease.js';
import { BatchConnection, encodeBatch, ITEM_OVERHEAD, STATUS_TOO_LARGE, type Batch } from './quiet-batch.js';

export interface WriterOptions {
  ttlSeconds: number;
  inFlight: number;
  timeoutSeconds: number;
  /** --ha-lease: write a server only while holding its lease; absent: always (one agent). */
  lease?: LeaseOptions;
}

/** Bytes of one batch at most (besides --pipeline keys): a batch is held in memory once. */
const BATCH_BYTES = 4 * 1024 * 1024;

/** "host:port" or "[v6]:port" as memjs takes them. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

/** The synced_at of a meta value, in Unix ms (undefined when it has none). */
export function metaSyncedMs(metaValue: string | null): number | undefined {
  if (metaValue === null) return undefined;
  const at = decodeMeta(metaValue)?.synced_at;
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}

/** What the writer needs from the index: the keys and the current value of each. */
export interface KeySource {
  keys(): Iterable<string>;
  valueOf(key: string): string | null;
}

export interface WriteResult {
  written: number;
  deleted: number;
  failed: number;
  /** Items the server refused as too large (its -I item size limit); the others were written. */
  tooLarge: number;
  /** Estimated memcached memory for what was written (key + value + item overhead). */
  bytes: number;
}


export class ServerLink {
  readonly address: string;
  private readonly client: memjs.Client;
  /** True until this server is known to hold the full set (at start: unknown). */
  needsReload = true;
  up = false;
  lastFullWriteMs = 0;
  /** When the set the server holds was synced with MISP (its META_KEY's synced_at), Unix ms. */
  serverSyncedMs: number | undefined;
  /** With --ha-lease: who may write this server. */
  readonly lease: Lease | null;
  /** Writes go in batches over a connection of their own; memjs does the rest. */
  private readonly batches: BatchConnection;
  private startedAt: number | undefined;
  private evictions: number | undefined;
  private warnedMemory = false;

  constructor(address: string, private readonly opts: WriterOptions, private readonly log: Logger, private readonly metrics: Metrics) {
    this.address = address;
    this.client = memjs.Client.create(address, {
      retries: 1,
      timeout: opts.timeoutSeconds,
      conntimeout: opts.timeoutSeconds,
      keepAlive: true,
      // memjs logs through console by default; its errors reach us through callbacks instead.
      logger: { log: () => undefined },
    });
    this.lease = opts.lease ? new Lease(this.client, address, opts.lease, log, metrics) : null;
    const { host, port } = splitAddress(address);
    this.batches = new BatchConnection(host, port, opts.timeoutSeconds);
  }

  /** Whether this agent writes the server now: always alone, only while holding its lease in HA. */
  get writable(): boolean {
    return this.up && (this.lease === null || this.lease.held());
  }

  close(): void {
    this.client.close();
    this.batches.close();
  }

  private stats(): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      this.client.stats((err, _server, stats) => (err || !stats ? reject(err ?? new Error('no stats')) : resolve(stats)));
    });
  }

  /**
   * Health check: stats (evictions, memory limit, restart detection) and META_KEY presence.
   * Marks the server for reload when it is empty or restarted. Returns false when unreachable.
   */
  async check(estimatedBytes: number): Promise<boolean> {
    let stats: Record<string, string>;
    let meta: Buffer | null;
    try {
      stats = await this.stats();
      meta = (await this.client.get(META_KEY)).value;
    } catch (err) {
      if (this.up) this.log.warn(`memcached ${this.address} is unreachable: ${(err as Error).message}`, { code: ErrorCodes.MEMCACHED, server: this.address });
      this.up = false;
      this.needsReload = true;
      this.metrics.inc('memcached_errors_total', { server: this.address });
      this.metrics.set('memcached_up', 0, { server: this.address });
      return false;
    }
    this.up = true;
    this.metrics.set('memcached_up', 1, { server: this.address });
    const startedAt = Number(stats.time) - Number(stats.uptime);
    // Start time is derived from two second-resolution counters: allow a second of jitter.
    if (this.startedAt !== undefined && Math.abs(startedAt - this.startedAt) > 2) {
      this.log.warn(`memcached ${this.address} restarted; reloading it`, { code: ErrorCodes.MEMCACHED_RELOAD, server: this.address });
      this.needsReload = true;
    }
    this.startedAt = startedAt;
    if (meta === null && !this.needsReload) {
      this.log.warn(`memcached ${this.address} lost the indicator set (no ${META_KEY}); reloading it`, { code: ErrorCodes.MEMCACHED_RELOAD, server: this.address });
      this.needsReload = true;
    }
    if (meta === null) this.needsReload = true;
    this.serverSyncedMs = metaSyncedMs(meta === null ? null : meta.toString('utf8'));
    // Taking a lease (first, or after another agent's lapsed) means writing the whole set.
    if (this.lease && (await this.lease.renew()) === 'taken') this.needsReload = true;
    const evictions = Number(stats.evictions ?? 0);
    const limit = Number(stats.limit_maxbytes ?? 0);
    this.metrics.set('memcached_evictions', evictions, { server: this.address });
    this.metrics.set('memcached_limit_bytes', limit, { server: this.address });
    if (this.evictions !== undefined && evictions > this.evictions) {
      this.log.warn(`memcached ${this.address} evicted ${evictions - this.evictions} items since the last check: indicators may be missing until the next refresh; give it more memory (-m)`, {
        code: ErrorCodes.MEMCACHED_EVICTIONS,
        server: this.address,
        evictions,
      });
    }
    this.evictions = evictions;
    const short = limit > 0 && estimatedBytes > 0.8 * limit;
    if (short && !this.warnedMemory) {
      this.log.warn(`memcached ${this.address} has ${Math.round(limit / 1048576)} MB but the indicator set needs about ${Math.round(estimatedBytes / 1048576)} MB: raise its -m`, {
        code: ErrorCodes.MEMCACHED_MEMORY,
        server: this.address,
        limit_bytes: limit,
        needed_bytes: Math.round(estimatedBytes),
      });
    }
    this.warnedMemory = short;
    return true;
  }

  /** Writes (or deletes, when the value is null) the given keys: one batch (quiet-batch.ts). */
  write(keys: readonly string[], values: readonly (string | null)[]): Promise<WriteResult> {
    return this.send(encodeBatch(keys, values, this.opts.ttlSeconds));
  }

  /**
   * Sends one batch built for every server. When the server fails (connection, timeout, an
   * error other than an item too large) it is marked for a full reload: it may have lost anything.
   */
  async send(batch: Batch): Promise<WriteResult> {
    const result: WriteResult = { written: batch.sets, deleted: batch.deletes, failed: 0, tooLarge: 0, bytes: batch.itemBytes };
    let failedFirst: Error | null = null;
    try {
      const refusals = await this.batches.send(batch);
      for (const status of refusals.values()) {
        // The server refusing one item (bigger than its -I limit) is that key's problem, not the
        // server's: counting it as a server failure would stop every reload at it.
        if (status === STATUS_TOO_LARGE) result.tooLarge++;
        else {
          result.failed++;
          failedFirst ??= new Error(`memcached status 0x${status.toString(16)}`);
        }
      }
      result.written -= result.tooLarge + result.failed;
    } catch (err) {
      failedFirst = err as Error;
      result.failed = batch.keys;
      result.written = 0;
      result.deleted = 0;
    }
    this.metrics.inc('memcached_writes_total', { server: this.address }, result.written + result.deleted);
    if (result.tooLarge > 0) this.metrics.inc('memcached_errors_total', { server: this.address }, result.tooLarge);
    if (failedFirst) {
      this.metrics.inc('memcached_errors_total', { server: this.address }, result.failed);
      this.log.warn(`memcached ${this.address} write failed: ${(failedFirst as Error).message}; it will be reloaded when it answers`, {
        code: ErrorCodes.MEMCACHED,
        server: this.address,
      });
      this.needsReload = true;
      this.up = false;
      this.metrics.set('memcached_up', 0, { server: this.address });
    }
    return result;
  }

  /** Said once per write of many batches, not per batch. */
  warnTooLarge(n: number): void {
    this.log.warn(`memcached ${this.address} refused ${n} values as too large for its item size limit (-I); those indicators will not match`, {
      code: ErrorCodes.MEMCACHED_MEMORY,
      server: this.address,
    });
  }
}

export class MemcachedStore {
  readonly links: ServerLink[];
  /** Estimated memory of the whole set, from the last full write. */
  estimatedBytes = 0;
  private leaseTimer: NodeJS.Timeout | null = null;

  constructor(addresses: string[], private readonly opts: WriterOptions, private readonly log: Logger, private readonly metrics: Metrics) {
    this.links = addresses.map((a) => new ServerLink(a, opts, log, metrics));
    const lease = opts.lease;
    if (lease) {
      // Renewed on its own clock, three times a lease: a long sync must not let it lapse.
      this.leaseTimer = setInterval(() => void this.renewLeases(), (lease.seconds * 1000) / 3);
      this.leaseTimer.unref();
    }
  }

  close(): void {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = null;
    for (const l of this.links) l.close();
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      this.links.map(async (l) => {
        if (l.lease && l.up && (await l.lease.renew()) === 'taken') l.needsReload = true;
      }),
    );
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.links.map((l) => l.check(this.estimatedBytes)));
  }

  /**
   * Writes (or deletes) keys on the given servers; returns the keys written to each. Servers this
   * agent may not write now (another agent holds their lease) remember the keys instead, so that
   * taking the lease later deletes what changed meanwhile (lease.ts).
   */
  async writeTo(links: ServerLink[], keys: Iterable<string>, source: KeySource): Promise<number> {
    const list = Array.isArray(keys) ? (keys as string[]) : [...keys];
    if (list.length === 0) return 0;
    for (const l of this.links) if (l.up && !l.writable) l.lease?.remember(list);
    if (links.length === 0) return 0;
    const results = await this.fanOut(links.filter((l) => l.writable), list, source);
    return Math.max(0, ...[...results.values()].map((r) => r.written + r.deleted));
  }

  /**
   * Writes the keys to every server, a chunk at a time: each value is computed once per chunk and
   * the chunk goes to all servers together. A server that fails is left out of the chunks after
   * it (write() marked it for reload); the others go on.
   */
  private async fanOut(links: ServerLink[], keys: Iterable<string>, source: KeySource): Promise<Map<ServerLink, WriteResult>> {
    const results = new Map<ServerLink, WriteResult>(links.map((l) => [l, { written: 0, deleted: 0, failed: 0, tooLarge: 0, bytes: 0 }]));
    let live = links;
    const flush = async (chunk: string[], values: (string | null)[]) => {
      const batch = encodeBatch(chunk, values, this.opts.ttlSeconds);
      const done = await Promise.all(live.map((l) => l.send(batch)));
      done.forEach((r, i) => {
        const total = results.get(live[i]!)!;
        total.written += r.written;
        total.deleted += r.deleted;
        total.failed += r.failed;
        total.tooLarge += r.tooLarge;
        total.bytes += r.bytes;
      });
      live = live.filter((l) => results.get(l)!.failed === 0);
    };
    let chunk: string[] = [];
    let values: (string | null)[] = [];
    let bytes = 0;
    for (const k of keys) {
      if (live.length === 0) break;
      const v = source.valueOf(k);
      chunk.push(k);
      values.push(v);
      bytes += k.length + (v === null ? 0 : v.length * 3);
      if (chunk.length >= this.opts.inFlight || bytes >= BATCH_BYTES) {
        await flush(chunk, values);
        chunk = [];
        values = [];
        bytes = 0;
      }
    }
    if (chunk.length > 0 && live.length > 0) await flush(chunk, values);
    for (const [l, r] of results) if (r.tooLarge > 0) l.warnTooLarge(r.tooLarge);
    return results;
  }

  /**
   * Writes META_KEY. Never to a server whose set was synced later than this one (with leases a
   * server has one writer at a time, so this only holds back an agent that lost its lease in
   * the middle of a cycle): synced_at never goes back.
   */
  async writeMeta(links: ServerLink[], metaValue: string): Promise<void> {
    const synced = metaSyncedMs(metaValue) ?? 0;
    await Promise.all(
      links
        .filter((l) => l.writable && (l.serverSyncedMs === undefined || l.serverSyncedMs <= synced))
        .map(async (l) => {
          const m = await l.write([META_KEY], [metaValue]);
          if (m.failed === 0) l.serverSyncedMs = synced;
        }),
    );
  }

  /** After a full sync wrote every key to these servers: META_KEY last, then they count as loaded. */
  async markLoaded(links: ServerLink[], metaValue: string, startedMs: number): Promise<void> {
    const synced = metaSyncedMs(metaValue) ?? 0;
    await Promise.all(
      links.filter((l) => l.writable).map(async (l) => {
        const m = await l.write([META_KEY], [metaValue]);
        if (m.failed > 0 || !l.up) return;
        l.needsReload = false;
        l.lastFullWriteMs = startedMs;
        l.serverSyncedMs = synced;
        l.lease?.forget();
        this.metrics.inc('memcached_reloads_total', { server: l.address, source: 'misp' });
        this.log.info(`memcached ${l.address} loaded from MISP`, { server: l.address });
      }),
    );
  }

  /**
   * Full write of the set to the servers that need it (empty, restarted, lease just taken) or
   * whose TTLs are due, all of them in one pass (fanOut). A server holding a set synced later
   * than the agent's (metaValue's synced_at) is not overwritten: it waits for the agent's next
   * sync with MISP, which is newer. Only when that set is old enough for its keys to start
   * expiring (half the key TTL) does the agent's set go over it, said at warn.
   */
  async reloadWhereNeeded(source: KeySource, metaValue: string, why: string): Promise<void> {
    const refreshMs = (this.opts.ttlSeconds * 1000) / 4;
    const now = Date.now();
    const synced = metaSyncedMs(metaValue) ?? 0;
    const due: ServerLink[] = [];
    for (const l of this.links) {
      if (!l.writable || !(l.needsReload || now - l.lastFullWriteMs >= refreshMs)) continue;
      const theirs = l.serverSyncedMs;
      if (l.needsReload && theirs !== undefined && theirs >= synced) {
        if (theirs === synced && l.lease === null) {
          // Its set is this very set (this agent wrote it before a restart): nothing to write.
          l.needsReload = false;
          l.lastFullWriteMs = theirs;
          this.log.info(`memcached ${l.address} already holds this agent's set (synced at ${new Date(theirs).toISOString()})`, { server: l.address });
          continue;
        }
        if (now - theirs < (this.opts.ttlSeconds * 1000) / 2) {
          this.log.debug(`memcached ${l.address} holds a newer set (synced at ${new Date(theirs).toISOString()}) than this agent (${new Date(synced).toISOString()}): written after the next sync with MISP`, { server: l.address });
          continue;
        }
        this.log.warn(`memcached ${l.address} holds a set synced at ${new Date(theirs).toISOString()}, newer than this agent's but old enough for its keys to expire: writing this agent's set over it`, {
          code: ErrorCodes.MEMCACHED_RELOAD,
          server: l.address,
        });
      }
      due.push(l);
    }
    if (due.length > 0) await this.fullWrite(due, source, metaValue, why);
  }

  private async fullWrite(links: ServerLink[], source: KeySource, metaValue: string, why: string): Promise<void> {
    const started = Date.now();
    const reasons = new Map(links.map((l) => [l, l.needsReload ? why : 'ttl-refresh']));
    // What changed while another agent held the lease goes first: deleted keys are in no set.
    const changed = new Set<string>();
    for (const l of links) for (const k of l.lease?.changedMeanwhile() ?? []) changed.add(k);
    const before = changed.size > 0 ? await this.fanOut(links, changed, source) : null;
    const results = await this.fanOut(links.filter((l) => (before?.get(l)?.failed ?? 0) === 0), source.keys(), source);
    // META_KEY last: its presence means the server holds the whole set.
    const ok = [...results].filter(([, r]) => r.failed === 0).map(([l]) => l);
    const synced = metaSyncedMs(metaValue) ?? 0;
    await Promise.all(
      ok.map(async (link) => {
        const m = await link.write([META_KEY], [metaValue]);
        if (m.failed > 0) return;
        const reason = reasons.get(link)!;
        link.needsReload = false;
        link.lastFullWriteMs = started;
        link.serverSyncedMs = synced;
        link.lease?.forget();
        this.metrics.inc('memcached_reloads_total', { server: link.address, source: reason });
        const written = results.get(link)!.written;
        const level = reason === 'ttl-refresh' ? 'debug' : 'info';
        this.log[level](`memcached ${link.address} loaded with ${written} keys (${reason})`, { server: link.address, keys: written, source: reason, ms: Date.now() - started });
      }),
    );
  }
}

/** Memory the set needs in memcached, extrapolated from a sample of up to 1,000 keys. */
export function estimateBytes(source: KeySource, keyCount: number): number {
  let n = 0;
  let bytes = 0;
  for (const k of source.keys()) {
    const v = source.valueOf(k);
    if (v !== null) bytes += k.length + Buffer.byteLength(v) + ITEM_OVERHEAD;
    if (++n >= 1000) break;
  }
  // Slab classes round item sizes up; 10% covers the usual waste.
  return n === 0 ? 0 : Math.round((bytes / n) * keyCount * 1.1);
}
