// Writes the indicator set to every listed memcached server. Each server gets its own memjs
// client and every key (no client-side sharding): each Logstash host reads its own memcached and
// the filter fails over between servers, so no hash ring has to agree between Node and Java.
// Writes are pipelined (many requests in flight on one connection) rather than one round trip
// each. A server that is empty (META_KEY missing) or restarted (its start time moved) is
// reloaded from the agent's index, which needs no MISP.
import memjs from 'memjs';
import { META_KEY } from '../../plugin/core/ioc/index.js';
import { ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

export interface WriterOptions {
  ttlSeconds: number;
  inFlight: number;
  timeoutSeconds: number;
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

// memcached's per-item header (with CAS) is about 56 bytes; slab rounding adds roughly 10%.
const ITEM_OVERHEAD = 56;

export class ServerLink {
  readonly address: string;
  private readonly client: memjs.Client;
  /** True until this server is known to hold the full set (at start: unknown). */
  needsReload = true;
  up = false;
  lastFullWriteMs = 0;
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
  }

  close(): void {
    this.client.close();
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

  /** Issues requests from it while more() holds; calls done() when it runs out of keys. */
  private issue(
    it: Iterator<string>,
    more: () => boolean,
    onOp: (key: string, op: Promise<unknown>, value: string | null) => void,
    done: () => void,
    source: KeySource,
    expires: number,
  ): void {
    while (more()) {
      const next = it.next();
      if (next.done) {
        done();
        return;
      }
      const key = next.value;
      const value = source.valueOf(key);
      onOp(key, value === null ? this.client.delete(key) : this.client.set(key, value, { expires }), value);
    }
  }

  /**
   * Writes (or deletes, when the value is null) the given keys, pipelined. Stops early when the
   * server fails, and marks it for a full reload: it may have lost anything.
   */
  async write(keys: Iterable<string>, source: KeySource): Promise<WriteResult> {
    const result: WriteResult = { written: 0, deleted: 0, failed: 0, tooLarge: 0, bytes: 0 };
    const it = keys[Symbol.iterator]();
    const expires = this.opts.ttlSeconds;
    let inFlight = 0;
    let failedFirst: Error | null = null;
    await new Promise<void>((resolve) => {
      let exhausted = false;
      const settle = () => {
        if (inFlight === 0 && (exhausted || failedFirst)) resolve();
      };
      const pump = () => {
        // memjs writes each request to the socket on its own, one syscall each; corking the
        // socket while a burst is issued turns the burst into one writev (memjs 1.3 keeps the
        // net.Socket on Server._socket).
        const sock = (this.client as unknown as { servers: { _socket?: { cork(): void; uncork(): void } }[] }).servers[0]?._socket;
        sock?.cork();
        try {
          this.issue(it, () => !exhausted && !failedFirst && inFlight < this.opts.inFlight, (key, op, value) => {
            inFlight++;
            if (value !== null) result.bytes += key.length + Buffer.byteLength(value) + ITEM_OVERHEAD;
            op.then(
              () => {
                if (value === null) result.deleted++;
                else result.written++;
              },
              (err: Error) => {
                // The server refusing one item (bigger than its -I limit) is that key's problem,
                // not the server's: counting it as a server failure would stop every reload at it.
                if (/too large/i.test(err.message)) result.tooLarge++;
                else {
                  result.failed++;
                  failedFirst ??= err;
                }
              },
            ).finally(() => {
              inFlight--;
              // Refill in bursts (at half the window), so each corked burst carries many requests.
              if (inFlight <= this.opts.inFlight / 2) pump();
              settle();
            });
          }, () => {
            exhausted = true;
          }, source, expires);
        } finally {
          sock?.uncork();
        }
        settle();
      };
      pump();
    });
    this.metrics.inc('memcached_writes_total', { server: this.address }, result.written + result.deleted);
    if (result.tooLarge > 0) {
      this.metrics.inc('memcached_errors_total', { server: this.address }, result.tooLarge);
      this.log.warn(`memcached ${this.address} refused ${result.tooLarge} values as too large for its item size limit (-I); those indicators will not match`, {
        code: ErrorCodes.MEMCACHED_MEMORY,
        server: this.address,
      });
    }
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
}

export class MemcachedStore {
  readonly links: ServerLink[];
  /** Estimated memory of the whole set, from the last full write. */
  estimatedBytes = 0;

  constructor(addresses: string[], private readonly opts: WriterOptions, private readonly log: Logger, private readonly metrics: Metrics) {
    this.links = addresses.map((a) => new ServerLink(a, opts, log, metrics));
  }

  close(): void {
    for (const l of this.links) l.close();
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.links.map((l) => l.check(this.estimatedBytes)));
  }

  /** Writes (or deletes) keys on the given servers, pipelined; returns keys written per server. */
  async writeTo(links: ServerLink[], keys: Iterable<string>, source: KeySource): Promise<number> {
    if (links.length === 0) return 0;
    const list = Array.isArray(keys) ? keys : [...keys];
    if (list.length === 0) return 0;
    const results = await Promise.all(links.map((l) => l.write(list, source)));
    return Math.max(...results.map((r) => r.written + r.deleted));
  }

  async writeMeta(links: ServerLink[], metaValue: string): Promise<void> {
    await Promise.all(links.filter((l) => l.up).map((l) => l.write([META_KEY], { keys: () => [], valueOf: () => metaValue })));
  }

  /** After a full sync wrote every key to these servers: META_KEY last, then they count as loaded. */
  async markLoaded(links: ServerLink[], metaValue: string, startedMs: number): Promise<void> {
    await Promise.all(
      links.map(async (l) => {
        const m = await l.write([META_KEY], { keys: () => [], valueOf: () => metaValue });
        if (m.failed > 0 || !l.up) return;
        l.needsReload = false;
        l.lastFullWriteMs = startedMs;
        this.metrics.inc('memcached_reloads_total', { server: l.address, source: 'misp' });
        this.log.info(`memcached ${l.address} loaded from MISP`, { server: l.address });
      }),
    );
  }

  /** Full write of the set to servers that need it (empty, restarted) or whose TTLs are due. */
  async reloadWhereNeeded(source: KeySource, metaValue: string, why: string): Promise<void> {
    const refreshMs = (this.opts.ttlSeconds * 1000) / 4;
    const now = Date.now();
    await Promise.all(
      this.links
        .filter((l) => l.up && (l.needsReload || now - l.lastFullWriteMs >= refreshMs))
        .map((l) => this.fullWrite(l, source, metaValue, l.needsReload ? why : 'ttl-refresh')),
    );
  }

  private async fullWrite(link: ServerLink, source: KeySource, metaValue: string, why: string): Promise<void> {
    const started = Date.now();
    const r = await link.write(source.keys(), source);
    if (r.failed > 0) return;
    // META_KEY last: its presence means the server holds the whole set.
    const m = await link.write([META_KEY], { keys: () => [], valueOf: () => metaValue });
    if (m.failed > 0) return;
    link.needsReload = false;
    link.lastFullWriteMs = started;
    this.metrics.inc('memcached_reloads_total', { server: link.address, source: why });
    const level = why === 'ttl-refresh' ? 'debug' : 'info';
    this.log[level](`memcached ${link.address} loaded with ${r.written} keys (${why})`, { server: link.address, keys: r.written, source: why, ms: Date.now() - started });
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
