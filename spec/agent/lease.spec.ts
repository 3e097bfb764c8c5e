// The HA lease of one memcached server (agent/store/lease.ts) against a real memcached: one
// holder at a time, a renewal asked twice at once is one renewal, and a lease its holder stops
// renewing passes to the other agent once it expires.
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lease } from '../../agent/store/lease.js';
import { createLogger } from '../../agent/ops/logger.js';
import { Metrics } from '../../agent/ops/metrics.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';

describe('the HA lease of a memcached server (real memcached)', () => {
  let mc: MemcachedProcess;
  const clients: memjs.Client[] = [];
  const lease = (holder: string, seconds: number) => {
    const client = memjs.Client.create(mc.address, { retries: 1, timeout: 2, logger: { log: () => undefined } });
    clients.push(client);
    return new Lease(client, mc.address, { seconds, holder }, createLogger({ write: () => {} }), new Metrics());
  };
  beforeAll(async () => {
    mc = await startMemcached();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await mc.stop();
  });

  it('gives one holder the lease, even when its renewal is asked twice at once', async () => {
    const a = lease('agent-a', 30);
    const b = lease('agent-b', 30);
    expect(await Promise.all([a.renew(), a.renew()])).toEqual(['taken', 'taken']);
    expect(a.held()).toBe(true);
    expect(await b.renew()).toBe('standby');
    expect(b.held()).toBe(false);
    expect(await a.renew()).toBe('kept');
  });

  it('passes a lease its holder stops renewing to the other agent once it expires', async () => {
    await mc.restart();
    const a = lease('agent-a', 1);
    const b = lease('agent-b', 1);
    expect(await a.renew()).toBe('taken');
    expect(await b.renew()).toBe('standby');
    // memcached counts expiry in whole seconds: past 2 s a 1 s key is gone.
    await new Promise((r) => setTimeout(r, 2_200));
    expect(a.held()).toBe(false);
    expect(await b.renew()).toBe('taken');
    expect(await a.renew()).toBe('standby');
  });
});
