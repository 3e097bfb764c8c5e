// MISP context for hits, fetched from the MISP simulator (a real HTTP server over real MISP
// events) through the plugin's HTTP client and shared cache: one request per event id however
// many workers hit it, and a MISP that refuses the key or cannot be reached writes the hit from
// the agent's summary, tagged, never throws, and leaves nothing behind.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { seed } from '../plugin-java/harness.js';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import type { FilterPipeline } from './pipeline.js';

// misp-tests-event-regin.json is MISP event 750, "OSINT - F-Secure W32/Regin, Stage #1", by CIRCL.
const EVENT_ID = '750';
const TS = '2026-01-02T03:04:05.678Z';

const hits = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ '@timestamp': TS, seq: i, destination: { ip: '203.0.113.50' }, dns: { question: { name: 'www.regin-example.test' } } }));

export function mispContextSuite(pipeline: FilterPipeline): void {
  let mc: MemcachedProcess;
  let sim: SimProcess;

  beforeAll(async () => {
    pipeline.assertBuilt();
    mc = await startMemcached();
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    await seed(mc.address, entriesFor([
      attribute('ip-dst', '203.0.113.50', { event_id: EVENT_ID, event_info: 'stored summary info' }),
      attribute('domain', 'regin-example.test', { event_id: EVENT_ID, event_info: 'stored summary info' }),
    ]));
  });

  afterAll(async () => {
    await sim?.stop();
    await mc?.stop();
  });

  async function restSearchCalls(): Promise<number> {
    const stats = JSON.stringify(await sim.admin('/_sim/stats'));
    const m = /"\/events\/restSearch":\{[^}]*?"count":(\d+)/.exec(stats) ?? /"\/events\/restSearch":(\d+)/.exec(stats);
    if (!m) throw new Error(`no events/restSearch count in the simulator's stats: ${stats}`);
    return Number(m[1]);
  }

  it('writes the MISP event\'s context into the enrichment, with one request for all workers', async () => {
    await sim.admin('/_sim/stats/reset', {});
    const r = await pipeline.run({
      settings: { memcached_hosts: [mc.address], misp_url: sim.url, misp_api_key: sim.apiKey },
      events: hits(500),
      workers: 4,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(500);
    for (const e of r.events) {
      const en = e.threat.enrichments;
      expect(en).toHaveLength(2);
      expect(en[0].indicator.description).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(en[0].indicator.provider).toBe('CIRCL');
      expect(en[0].indicator.reference).toBe(`${sim.url}/events/view/${EVENT_ID}`);
      expect(e.tags).toBeUndefined();
    }
    expect(await restSearchCalls()).toBe(1);
    expect(pipeline.metric(r, 'fetches')).toBe(1);
    expect(r.stderr).not.toContain(sim.apiKey);
  });

  it('writes the hit without context and tags it when MISP refuses the key', async () => {
    const r = await pipeline.run({
      settings: { memcached_hosts: [mc.address], misp_url: sim.url, misp_api_key: 'wrong-key-0000' },
      events: hits(3),
    });
    expect(r.code, r.stderr).toBe(0);
    for (const e of r.events) {
      expect(e.threat.enrichments[0].indicator.description).toBe('stored summary info');
      expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
    }
    expect(r.stderr).toMatch(/MISP_ENRICH_FETCH: events\/restSearch answered HTTP 40\d/);
    expect(r.stderr).not.toContain('wrong-key-0000');
  });

  it('writes the hit without context and tags it when MISP is unreachable', async () => {
    const r = await pipeline.run({
      settings: { memcached_hosts: [mc.address], misp_url: `http://127.0.0.1:${await freePort()}`, misp_api_key: sim.apiKey },
      events: hits(2),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.tags)).toEqual([['_misp_enrich_fetch_failure'], ['_misp_enrich_fetch_failure']]);
    expect(r.report!.leaked_threads).toEqual([]);
    expect(r.report!.leaked_sockets).toEqual([]);
  });
}
