// MISP context for hits on Logstash's own classes: fetched from the MISP simulator (a real HTTP
// server over a real MISP event) once for all pipeline workers; a MISP that refuses the key or
// cannot be reached writes the hit from the agent's summary, tagged, and leaves nothing behind.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { seed } from '../plugin-java/harness.js';
import { assertRealBuilt, describeOnLogstash, runReal } from './support/real-logstash.js';

// misp-tests-event-regin.json is MISP event 750, "OSINT - F-Secure W32/Regin, Stage #1", by CIRCL.
const EVENT_ID = '750';
const TS = '2026-01-02T03:04:05.678Z';

const hits = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ '@timestamp': TS, seq: i, destination: { ip: '203.0.113.50' }, dns: { question: { name: 'www.regin-example.test' } } }));

describeOnLogstash('MISP context through events/restSearch, on Logstash\'s classes', () => {
  let mc: MemcachedProcess;
  let sim: SimProcess;

  beforeAll(async () => {
    assertRealBuilt();
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

  it('writes the MISP event\'s context into the enrichment, with one request for 4 workers', async () => {
    await sim.admin('/_sim/stats/reset', {});
    const r = await runReal({
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
    expect(r.metrics.fetches).toBe(1);
    expect(r.stderr).not.toContain(sim.apiKey);
  });

  it('writes the hit from the summary and tags it when MISP refuses the key, or cannot be reached', async () => {
    const [refused, unreachable] = await Promise.all([
      runReal({ settings: { memcached_hosts: [mc.address], misp_url: sim.url, misp_api_key: 'wrong-key-0000' }, events: hits(3) }),
      runReal({ settings: { memcached_hosts: [mc.address], misp_url: `http://127.0.0.1:${await freePort()}`, misp_api_key: sim.apiKey }, events: hits(2) }),
    ]);
    expect(refused.code, refused.stderr).toBe(0);
    for (const e of refused.events) {
      expect(e.threat.enrichments[0].indicator.description).toBe('stored summary info');
      expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
    }
    expect(refused.stderr).toMatch(/MISP_ENRICH_FETCH: events\/restSearch answered HTTP 40\d/);
    expect(refused.stderr).not.toContain('wrong-key-0000');
    expect(unreachable.code, unreachable.stderr).toBe(0);
    expect(unreachable.events.map((e) => e.tags)).toEqual([['_misp_enrich_fetch_failure'], ['_misp_enrich_fetch_failure']]);
    expect(unreachable.report!.leaked_threads).toEqual([]);
    expect(unreachable.report!.leaked_sockets).toEqual([]);
  });
});
