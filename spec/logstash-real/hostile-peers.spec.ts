// The plugin against peers that misbehave, on Logstash's own classes: a MISP that sends without
// end, or headers and then nothing, a memcached that announces a value of 1.5 GB or holds garbage,
// and log events built to cost. Every event still comes out, in order, within a 512 MiB heap, and
// failures are tags and counts in Logstash's metrics.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { startFakeMemcached, type FakeMemcached } from '../support/fake-memcached.js';
import { startHostileMisp, type HostileMisp } from '../support/hostile-misp.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { seed } from '../plugin-java/harness.js';
import { assertRealBuilt, describeOnLogstash, runReal } from './support/real-logstash.js';

// misp-tests-event-regin.json is MISP event 750; a second event, 987651, is written by this spec.
const EVENT_ID = '750';
const BIG_EVENT_ID = '987651';
const TS = '2026-01-02T03:04:05.678Z';
const SMALL_HEAP = { MISP_ENRICH_JAVA_OPTS: '-Xmx512m' };

const hits = (n: number, ip = '203.0.113.50') => Array.from({ length: n }, (_, i) => ({ '@timestamp': TS, seq: i, destination: { ip } }));

describeOnLogstash('hostile peers, on Logstash\'s classes', () => {
  let mc: MemcachedProcess;
  let sim: SimProcess;
  let hostile: HostileMisp;
  let fake: FakeMemcached;
  const settings = (over: Record<string, unknown> = {}) => ({ memcached_hosts: [mc.address], misp_url: hostile.url, misp_api_key: sim.apiKey, ...over });

  beforeAll(async () => {
    assertRealBuilt();
    mc = await startMemcached();
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    // An event whose info is a megabyte with a lone surrogate near its start (valid JSON, \ud800).
    writeFileSync(join(sim.dataDir, 'big-info.json'), JSON.stringify({
      Event: { id: BIG_EVENT_ID, uuid: '5f0c2a4e-0000-4000-8000-000000987651', info: `x\ud800y${'i'.repeat(1 << 20)}`, published: true,
        date: '2026-01-01', threat_level_id: '1', analysis: '2', timestamp: '1767225600', publish_timestamp: '1767225600',
        Orgc: { id: '1', name: 'ORGNAME', uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002' }, Attribute: [] },
    }));
    hostile = await startHostileMisp(sim.url);
    fake = await startFakeMemcached();
    await seed(mc.address, entriesFor([
      attribute('ip-dst', '203.0.113.50', { event_id: EVENT_ID }),
      attribute('ip-dst', '203.0.113.51', { event_id: BIG_EVENT_ID }),
    ]));
  });

  afterAll(async () => {
    await hostile?.close();
    await fake?.close();
    await sim?.stop();
    await mc?.stop();
  });

  it('cuts off a MISP body that never ends: every event comes out, in order, the hits tagged, within a 512 MiB heap', async () => {
    hostile.mode = 'endless-body';
    const r = await runReal({ settings: settings({ misp_max_response_bytes: 4 << 20 }), events: hits(250), workers: 2, env: SMALL_HEAP });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.seq)).toEqual(hits(250).map((e) => e.seq));
    for (const e of r.events) {
      expect(e.threat.enrichments).toHaveLength(1);
      expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
    }
    expect(r.stderr).toContain('MISP_ENRICH_FETCH');
  });

  it('spends one timeout per event id on a MISP that sends headers and then nothing', async () => {
    hostile.mode = 'headers-then-silence';
    hostile.requests.clear();
    const r = await runReal({ settings: settings({ misp_timeout: 1 }), events: hits(8), batchSize: 1 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(8);
    for (const e of r.events) expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
    expect(hostile.requests.get('/events/restSearch')).toBe(1);
    expect(r.metrics.fetches).toBe(1);
  });

  it('copies at most 2,048 characters of a megabyte Event.info into each hit, lone surrogate and all', async () => {
    hostile.mode = 'pass';
    const r = await runReal({ settings: settings(), events: hits(10, '203.0.113.51'), env: SMALL_HEAP });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(10);
    for (const e of r.events) {
      const description: string = e.threat.enrichments[0].indicator.description;
      expect(e.tags).toBeUndefined();
      expect(description.startsWith('x')).toBe(true);
      expect(description).toHaveLength(2048);
    }
  });

  it('refuses a 1.5 GB memcached value as a failed lookup: the events pass on tagged, within a 512 MiB heap', async () => {
    fake.hugeValues.set('me1:ip:203.0.113.50', 1_500_000_000);
    const r = await runReal({
      settings: { memcached_hosts: [fake.address], fetch_context: false },
      events: [...hits(3), { '@timestamp': TS, seq: 99, message: 'no value to look up' }],
      env: SMALL_HEAP,
    });
    fake.hugeValues.clear();
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.slice(0, 3).map((e) => e.tags)).toEqual([['_misp_enrich_lookup_failure'], ['_misp_enrich_lookup_failure'], ['_misp_enrich_lookup_failure']]);
    expect(r.events[3]!.tags).toBeUndefined();
    expect(r.stderr).toContain('over memcached_max_value_bytes');
  });

  it('tags an event whose value found something that is not a summary, as a failed lookup', async () => {
    fake.values.set('me1:ip:203.0.113.60', '{"garbage');
    const r = await runReal({
      settings: { memcached_hosts: [fake.address], fetch_context: false },
      events: [...hits(1, '203.0.113.60'), ...hits(1, '192.0.2.1')],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.tags).toEqual(['_misp_enrich_lookup_failure']);
    expect(r.events[1]!.tags).toBeUndefined();
    expect(r.metrics.failures).toBeGreaterThanOrEqual(1);
  });

  it('skips and counts a megabyte URL and the values past max_values_per_field, keeps a text with a lone surrogate as Logstash does', async () => {
    const url = `http://evil.example/${'a'.repeat(1 << 20)}`;
    const ips = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const r = await runReal({
      settings: { memcached_hosts: [mc.address], fetch_context: false },
      events: [{ '@timestamp': TS, seq: 0, url: { full: url }, source: { ip: ips } }, { '@timestamp': TS, seq: 1, message: 'x\ud800y' }, ...hits(1)],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(3);
    expect(r.events[0]!.url.full).toBe(url);
    expect(r.events[0]!.source.ip).toHaveLength(10_000);
    expect(r.events[0]!.threat).toBeUndefined();
    // Logstash's Event keeps the text up to the unpaired surrogate.
    expect(r.events[1]!.message).toBe('x');
    expect(r.events[2]!.threat.enrichments).toHaveLength(1);
    expect(r.metrics.skipped_values).toBe(1 + 9_900);
  });
});
