// The MISP context port in Node: events/restSearch with metadata only, one request for all the
// ids a batch misses, behind a cache shared by every batch with at most one request in flight
// per id. Failures are cached briefly so an outage does not turn into a request per batch.
import { Agent, request } from 'undici';
import type { ContextPort } from './ports.js';

export interface MispContextOptions {
  url: string;
  apiKey: string;
  timeoutMs?: number;
  ttlMs?: number;
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
  const failureTtl = options.failureTtlMs ?? 10_000;
  const max = options.maxEntries ?? 10_000;
  const timeout = options.timeoutMs ?? 5_000;
  const dispatcher = new Agent({
    connect: { rejectUnauthorized: options.verifyTls !== false, timeout },
    headersTimeout: timeout,
    bodyTimeout: timeout,
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
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`MISP answered HTTP ${res.statusCode}`);
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
