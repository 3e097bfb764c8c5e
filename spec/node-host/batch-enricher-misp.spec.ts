// The Node host's batch enricher with its MISP context port, against misp-sim over real HTTP:
// context fills provider and description, one request serves every event id of a batch, and an
// unreachable MISP degrades to hits from the stored summary, tagged, never to an error. The
// port's own cases (bounds, errors, failure caching) are the MISP context port contract's, in
// spec/node-host/misp-context.
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { createNodeEnricher } from '../../testbed/node-host/batch-enricher.js';
import { memcachedKv } from '../../testbed/node-host/memcached-kv.js';
import { mispContext } from '../../testbed/node-host/misp-context.js';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
let mc: MemcachedProcess;
let sim: SimProcess;
let eventId: string;

beforeAll(async () => {
  mc = await startMemcached();
  sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
  const index = (await (await sim.api('/events/index', {})).json()) as { id: string }[];
  eventId = index[0]!.id;
  const client = memjs.Client.create(mc.address, { logger: { log: () => {} } });
  const entries = entriesFor([attribute('ip-dst', '203.0.113.9', { event_id: eventId, event_info: 'stored info' }), attribute('domain', 'evil.example', { event_id: eventId, event_info: 'stored info' })]);
  for (const [k, v] of entries) await client.set(k, v, { expires: 600 });
  client.close();
});
afterAll(async () => {
  await sim?.stop();
  await mc?.stop();
});

describe('batch enricher with the MISP context port (misp-sim)', () => {
  it('fills provider and description from the MISP event, with one request per batch', async () => {
    await sim.admin('/_sim/stats/reset');
    const enricher = createNodeEnricher({
      core,
      options: { misp_url: sim.url },
      kv: memcachedKv({ servers: [mc.address] }),
      context: mispContext({ url: sim.url, apiKey: sim.apiKey }),
    });
    const batch: Record<string, any>[] = [{ destination: { ip: '203.0.113.9' } }, { dns: { question: { name: 'a.evil.example' } } }];
    expect((await enricher.enrich(batch)).matched).toEqual([0, 1]);
    const indicator = batch[0]!.threat.enrichments[0].indicator;
    expect(indicator.provider).toBe('CIRCL');
    expect(indicator.description).toBe('OSINT - F-Secure W32/Regin, Stage #1');
    expect(indicator.reference).toBe(`${sim.url}/events/view/${eventId}`);
    expect(batch[0]!.tags).toBeUndefined();
    // The second batch is served from the host's cache.
    await enricher.enrich([{ destination: { ip: '203.0.113.9' } }]);
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { by_path: Record<string, number> };
    expect(stats.by_path['/events/restSearch']).toBe(1);
    await enricher.close();
  });

  it('writes hits from the stored summary and tags them when MISP cannot be reached', async () => {
    const enricher = createNodeEnricher({
      core,
      options: { misp_url: sim.url },
      kv: memcachedKv({ servers: [mc.address] }),
      context: mispContext({ url: `http://127.0.0.1:${await freePort()}`, apiKey: sim.apiKey, timeoutMs: 1000 }),
    });
    const batch: Record<string, any>[] = [{ destination: { ip: '203.0.113.9' } }];
    expect((await enricher.enrich(batch)).matched).toEqual([0]);
    expect(batch[0]!.threat.enrichments[0].indicator.description).toBe('stored info');
    expect(batch[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
    await enricher.close();
  });
});
