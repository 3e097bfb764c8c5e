// The MISP context port in Node: events/restSearch with metadata only, one request for all the
// ids a batch misses, behind a cache shared by every batch with at most one request in flight
// per id. Failures are cached briefly so an outage does not turn into a request per batch.
// Every exchange is bounded as in the Java shell's MispContextFetcher (the same contract:
// spec/contracts/misp-context-port.contract.ts): timeoutMs for the whole of it, headers and body,
// and maxResponseBytes for the body.
import { Agent, errors, request } from 'undici';
import type { ContextPort } from './ports.js';

export interface MispContextOptions {
  url: string;
  apiKey: string;
  /** The whole exchange, headers and body (misp_timeout). */
  timeoutMs?: number;
  /** The largest answer read; past it the request fails (misp_max_response_bytes). */
  maxResponseBytes?: number;
  ttlMs?: number;
  /** How long a failure is remembered; never longer than ttlMs. */
  failureTtlMs?: number;
  maxEntries?: number;
  /** TLS verification is on unless explicitly turned off. */
  verifyTls?: boolean;
}

interface Entry {
  value: Promise<unknown | null>;
  expires: number;
}

export function mispContext(options: MispContextOptions): ContextPort {
  const base = options.url.replace(/\/+$/, '');
  const ttl = options.ttlMs ?? 300_000;
  const failureTtl = Math.min(options.failureTtlMs ?? 15_000, ttl);
  const maxResponseBytes = options.maxResponseBytes ?? 16_777_216;
  const max = options.maxEntries ?? 10_000;
  const timeout = options.timeoutMs ?? 5_000;
  const dispatcher = new Agent({
    connect: { rejectUnauthorized: options.verifyTls !== false, timeout },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    // undici refuses a larger announced length at once and drops the connection as soon as a
    // body without one grows past it.
    maxResponseSize: maxResponseBytes,
  });
  const cache = new Map<string, Entry>();

  async function fetchMany(ids: string[]): Promise<Map<string, unknown>> {
    const res = await request(`${base}/events/restSearch`, {
      method: 'POST',
      dispatcher,
      headers: {
        authorization: options.apiKey,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ returnFormat: 'json', eventid: ids, metadata: true }),
      // undici's own timeouts are idle times; a server that trickles bytes would outlast them.
      signal: AbortSignal.timeout(timeout),
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new Error(`MISP answered HTTP ${res.statusCode}`);
    }
    const text = await res.body.text().catch((err: unknown) => {
      if (err instanceof errors.ResponseExceededMaxSizeError) {
        throw new Error(`the answer is larger than misp_max_response_bytes (${maxResponseBytes})`);
      }
      throw err;
    });
    const parsed = JSON.parse(text) as { response?: { Event?: Record<string, unknown> }[] };
    const out = new Map<string, unknown>();
    for (const item of parsed.response ?? []) {
      const ev = item?.Event;
      if (ev && (typeof ev.id === 'string' || typeof ev.id === 'number')) out.set(String(ev.id), ev);
    }
    return out;
  }

  return {
    async fetchEvents(ids) {
      const now = Date.now();
      const missing = ids.filter((id) => {
        const e = cache.get(id);
        return !e || e.expires <= now;
      });
      if (missing.length > 0) {
        const batch = fetchMany(missing);
        for (const id of missing) {
          const value = batch.then(
            (m) => m.get(id) ?? null,
            () => null,
          );
          const entry: Entry = { value, expires: now + ttl };
          void value.then((v) => {
            if (v === null) entry.expires = Date.now() + failureTtl;
          });
          cache.set(id, entry);
        }
        while (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      const out: Record<string, unknown | null> = {};
      await Promise.all(ids.map(async (id) => (out[id] = await cache.get(id)!.value)));
      return out;
    },
    async close() {
      await dispatcher.close();
    },
  };
}
