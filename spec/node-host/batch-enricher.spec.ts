// The Node host's batch enricher (testbed/node-host/batch-enricher.ts): the bundled core driven
// against a real memcached process, keys written the way the agent writes them and read back
// through the host's multi-get, and the failure path as the events see it. The port's own cases
// (failover, bounds, reconnects) are the key-value port contract's, in spec/node-host/memcached-kv.
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { createNodeEnricher } from '../../testbed/node-host/batch-enricher.js';
import { memcachedKv } from '../../testbed/node-host/memcached-kv.js';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
let mc: MemcachedProcess;

async function seed(address: string, entries: Map<string, string>): Promise<void> {
  const client = memjs.Client.create(address, { logger: { log: () => {} } });
  for (const [k, v] of entries) await client.set(k, v, { expires: 600 });
  client.close();
}

beforeAll(async () => {
  mc = await startMemcached();
  await seed(
    mc.address,
    entriesFor([
      attribute('ip-dst', '203.0.113.9'),
      attribute('ip-src', '198.51.100.0/24'),
      attribute('domain', 'loader-cdn.net'),
      attribute('url', 'http://evil.example/' + 'a'.repeat(2000)),
      attribute('sha256', '185fc01ec8adbaa94da741c4c1cf1b83185ae63899f14ce9949553c5dac3ecf6'),
    ]),
  );
});
afterAll(async () => mc?.stop());

describe('batch enricher: core + Node host + real memcached', () => {
  it('enriches hits and leaves misses alone, in order', async () => {
    const enricher = createNodeEnricher({ core, options: { fetch_context: false }, kv: memcachedKv({ servers: [mc.address] }) });
    const events: Record<string, any>[] = [
      { destination: { ip: '203.0.113.9' } },
      { message: 'benign', source: { ip: '192.0.2.1' } },
      { source: { ip: '198.51.100.200' } },
      { dns: { question: { name: 'cdn.LOADER-cdn.net.' } } },
      { url: { original: 'HTTP://EVIL.example:80/' + 'a'.repeat(2000) + '#top' } },
      { file: { hash: { sha256: '185FC01EC8ADBAA94DA741C4C1CF1B83185AE63899F14CE9949553C5DAC3ECF6' } } },
    ];
    // Twice: the first batch learns the CIDR prefix lengths, the second uses them.
    for (let round = 0; round < 2; round++) {
      const batch = structuredClone(events);
      const out = await enricher.enrich(batch);
      expect(out.matched).toEqual([0, 2, 3, 4, 5]);
      expect(batch[1]).toEqual(events[1]);
      expect(batch[2]!.threat.enrichments[0].misp.attribute.value).toBe('198.51.100.0/24');
      expect(batch[4]!.threat.enrichments[0].indicator.type).toBe('url');
    }
    await enricher.close();
  });

  it('with retro_keys, writes every event\'s hunt keys to [misp_enrich][keys] after the marker me1:retro, hit or not, remembered or new', async () => {
    const enricher = createNodeEnricher({ core, options: { fetch_context: false, retro_keys: true }, kv: memcachedKv({ servers: [mc.address] }) });
    const events: Record<string, any>[] = [
      { source: { ip: '192.0.2.1' }, dns: { question: { name: 'A.Benign.example.' } } },
      { destination: { ip: '203.0.113.9' }, source: { ip: '192.0.2.1' } },
      { message: 'no configured field' },
    ];
    const v4 = (a: string) => `me1:ipx4:${a.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('')}`;
    for (let round = 0; round < 2; round++) {
      const batch = structuredClone(events);
      const out = await enricher.enrich(batch);
      expect(out.matched).toEqual([1]);
      expect(batch[0]!.misp_enrich.keys).toEqual(['me1:retro', v4('192.0.2.1'), 'me1:domain:a.benign.example', 'me1:domain:benign.example', 'me1:hostname:a.benign.example']);
      // Field order (source.ip before destination.ip), each key once, beside the hit's own fields.
      expect(batch[1]!.misp_enrich.keys).toEqual(['me1:retro', v4('192.0.2.1'), v4('203.0.113.9')]);
      expect(batch[1]!.threat.enrichments).toHaveLength(1);
      // An event without a configured field is marked as seen all the same.
      expect(batch[2]).toEqual({ ...events[2], misp_enrich: { keys: ['me1:retro'] } });
    }
    await enricher.close();
    // Off by default: nothing is written.
    const plain = createNodeEnricher({ core, options: { fetch_context: false }, kv: memcachedKv({ servers: [mc.address] }) });
    const batch = structuredClone(events);
    await plain.enrich(batch);
    expect(batch[0]).toEqual(events[0]);
    await plain.close();
  });

  it('a DNS name or URL holding "\\r\\nflush_all\\r\\n" cannot flush memcached or break the batch', async () => {
    const enricher = createNodeEnricher({ core, options: { fetch_context: false }, kv: memcachedKv({ servers: [mc.address] }) });
    const batch: Record<string, any>[] = [
      { url: { full: 'http://x.example/\r\nflush_all\r\n', domain: 'x.example\r\nflush_all\r\n' } },
      { destination: { ip: '203.0.113.9' } },
    ];
    const out = await enricher.enrich(batch);
    expect(out.matched).toEqual([1]);
    const again = [{ destination: { ip: '203.0.113.9' } }];
    expect((await enricher.enrich(again)).matched).toEqual([0]);
    await enricher.close();
  });

  it('tags the events that needed a lookup when no server answers, and leaves the others alone', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const allDead = createNodeEnricher({ core, options: { fetch_context: false }, kv: memcachedKv({ servers: [dead], timeoutMs: 500 }) });
    const batch: Record<string, any>[] = [{ destination: { ip: '203.0.113.9' } }, { message: 'no fields' }];
    const out = await allDead.enrich(batch);
    expect(out.matched).toEqual([]);
    expect(batch).toEqual([{ destination: { ip: '203.0.113.9' }, tags: ['_misp_enrich_lookup_failure'] }, { message: 'no fields' }]);
    await allDead.close();
  });

  it('an empty batch costs nothing', async () => {
    const kv = memcachedKv({ servers: [mc.address] });
    let calls = 0;
    const counting = { ...kv, getMulti: (keys: string[]) => (calls++, kv.getMulti(keys)) };
    const enricher = createNodeEnricher({ core, options: { fetch_context: false }, kv: counting });
    expect(await enricher.enrich([])).toMatchObject({ matched: [], stats: null, coreCalls: 0 });
    await enricher.enrich([{ message: 'no candidate values' }]);
    expect(calls).toBe(0);
    await enricher.close();
  });

  it('skips and counts a value past max_value_length and the values of an array past max_values_per_field, as the Java shell', async () => {
    const enricher = createNodeEnricher({ core, options: { fetch_context: false }, kv: memcachedKv({ servers: [mc.address] }), maxValueLength: 1000 });
    // The stored URL is 2,020 characters: past the bound it is not looked at, so it cannot hit.
    const longUrl = 'http://evil.example/' + 'a'.repeat(2000);
    const ips = Array.from({ length: 150 }, (_, i) => (i === 120 ? '203.0.113.9' : `10.0.${i >> 8}.${i & 255}`));
    const events: Record<string, any>[] = [{ url: { full: longUrl } }, { source: { ip: ips } }, { source: { ip: '203.0.113.9' } }];
    const outcome = await enricher.enrich(events);
    // The indicator at position 120 of the array is past the default 100 values.
    expect(outcome.matched).toEqual([2]);
    expect(outcome.stats).toMatchObject({ skipped_values: 1 + 50 });
    expect(events[0]!.threat).toBeUndefined();
    expect(events[1]!.source.ip).toHaveLength(150);
    await enricher.close();
  });
});
