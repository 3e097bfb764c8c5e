// The plugin against peers that misbehave: a MISP that sends without end, or headers and then
// nothing, a memcached that announces a value of 1.5 GB or holds what no agent writes, and log
// events built to cost: every event still comes out, in order, within a 512 MiB heap, and
// failures are tags and counts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { seed } from '../plugin-java/harness.js';
import { startFakeMemcached, type FakeMemcached } from '../support/fake-memcached.js';
import { startHostileMisp, type HostileMisp } from '../support/hostile-misp.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import type { FilterPipeline } from './pipeline.js';

// misp-tests-event-regin.json is MISP event 750; a second event, 987650, is written by the suite.
const EVENT_ID = '750';
const BIG_EVENT_ID = '987650';
const TS = '2026-01-02T03:04:05.678Z';
const SMALL_HEAP = { MISP_ENRICH_JAVA_OPTS: '-Xmx512m' };

const hits = (n: number, ip = '203.0.113.50') => Array.from({ length: n }, (_, i) => ({ '@timestamp': TS, seq: i, destination: { ip } }));

export function hostilePeersSuite(pipeline: FilterPipeline): void {
  let mc: MemcachedProcess;
  let sim: SimProcess;
  let hostile: HostileMisp;
  let fake: FakeMemcached;
  const settings = (over: Record<string, unknown> = {}) => ({ memcached_hosts: [mc.address], misp_url: hostile.url, misp_api_key: sim.apiKey, ...over });

  beforeAll(async () => {
    pipeline.assertBuilt();
    mc = await startMemcached();
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    // An event whose info is a megabyte with a lone surrogate near its start (valid JSON, \ud800).
    writeFileSync(join(sim.dataDir, 'big-info.json'), JSON.stringify({
      Event: { id: BIG_EVENT_ID, uuid: '5f0c2a4e-0000-4000-8000-000000987650', info: `x\ud800y${'i'.repeat(1 << 20)}`, published: true,
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

  describe('a MISP that misbehaves', () => {
    it('cuts off a body that never ends: every event comes out, in order, the hits tagged, within a 512 MiB heap', async () => {
      hostile.mode = 'endless-body';
      const r = await pipeline.run({ settings: settings({ misp_max_response_bytes: 4 << 20 }), events: hits(250), workers: 2, env: SMALL_HEAP });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.map((e) => e.seq)).toEqual(hits(250).map((e) => e.seq));
      for (const e of r.events) {
        expect(e.threat.enrichments).toHaveLength(1);
        expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
      }
      expect(r.stderr).toContain('MISP_ENRICH_FETCH');
    });

    it('spends one timeout per event id per 15 s on a MISP that sends headers and then nothing', async () => {
      hostile.mode = 'headers-then-silence';
      hostile.requests.clear();
      const r = await pipeline.run({ settings: settings({ misp_timeout: 1 }), events: hits(8), batchSize: 1 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events).toHaveLength(8);
      for (const e of r.events) expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
      // The first batch's request was cut off and remembered as a failure: no other request.
      expect(hostile.requests.get('/events/restSearch')).toBe(1);
      expect(pipeline.metric(r, 'fetches')).toBe(1);
      expect(r.stderr).toContain('did not complete within misp_timeout');
    });

    it('copies at most 2,048 characters of a megabyte Event.info into each hit, lone surrogate and all', async () => {
      hostile.mode = 'pass';
      const r = await pipeline.run({ settings: settings(), events: hits(10, '203.0.113.51'), env: SMALL_HEAP });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events).toHaveLength(10);
      for (const e of r.events) {
        const description: string = e.threat.enrichments[0].indicator.description;
        expect(description).toHaveLength(2048);
        expect(description.startsWith('x')).toBe(true);
        expect(e.tags).toBeUndefined();
      }
    });
  });

  describe('a memcached that lies', () => {
    it('refuses a 1.5 GB value as a failed lookup: the events pass on tagged, within a 512 MiB heap', async () => {
      fake.hugeValues.set('me1:ip:203.0.113.50', 1_500_000_000);
      const r = await pipeline.run({
        settings: { memcached_hosts: [fake.address], fetch_context: false },
        events: [...hits(3), { '@timestamp': TS, seq: 99, message: 'no value to look up' }],
        env: SMALL_HEAP,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.slice(0, 3).map((e) => e.tags)).toEqual([['_misp_enrich_lookup_failure'], ['_misp_enrich_lookup_failure'], ['_misp_enrich_lookup_failure']]);
      expect(r.events[3]!.tags).toBeUndefined();
      expect(r.stderr).toContain('over memcached_max_value_bytes');
    });
  });

  describe('a memcached holding what the agent never writes', () => {
    it('tags an event whose value found something that is not a summary, as a failed lookup', async () => {
      fake.hugeValues.clear();
      fake.values.set('me1:ip:203.0.113.60', '{"garbage');
      const r = await pipeline.run({
        settings: { memcached_hosts: [fake.address], fetch_context: false },
        events: [...hits(1, '203.0.113.60'), ...hits(1, '192.0.2.1')],
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toEqual(['_misp_enrich_lookup_failure']);
      expect(r.events[1]!.tags).toBeUndefined();
      expect(pipeline.metric(r, 'failures')).toBeGreaterThanOrEqual(1);
    });
  });

  describe('events built to cost', () => {
    it('skips and counts a megabyte URL and the values of an array past max_values_per_field; the event passes on', async () => {
      const url = `http://evil.example/${'a'.repeat(1 << 20)}`;
      const ips = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      const event = { '@timestamp': TS, seq: 1, url: { full: url }, source: { ip: ips } };
      const r = await pipeline.run({ settings: { memcached_hosts: [mc.address], fetch_context: false }, events: [event, ...hits(1)] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.url.full).toBe(url);
      expect(r.events[0]!.source.ip).toHaveLength(10_000);
      expect(r.events[0]!.threat).toBeUndefined();
      expect(r.events[1]!.threat.enrichments).toHaveLength(1);
      // 1 URL + 9,900 addresses skipped; 100 addresses and the hit looked up.
      expect(pipeline.metric(r, 'skipped_values')).toBe(1 + 9_900);
      // (The first batch probes every CIDR prefix length: the meta key is not known yet.)
      expect(pipeline.metric(r, 'lookups')).toBeLessThanOrEqual(33 * 101 + 1);
    });

    it('keeps an event whose text holds a lone surrogate (written as Logstash writes it)', async () => {
      const r = await pipeline.run({ settings: { memcached_hosts: [mc.address], fetch_context: false }, events: [{ '@timestamp': TS, seq: 1, message: 'x\ud800y' }, ...hits(1)] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events).toHaveLength(2);
      // As Logstash keeps it: a text of up to 1,024 characters is cut at a lone surrogate.
      expect(r.events[0]!.message).toBe('x');
    });
  });
}
