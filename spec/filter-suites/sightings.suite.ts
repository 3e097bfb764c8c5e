// Sightings (sightings => true): the packaged plugin reports the MISP attributes its events hit
// to misp-sim's sightings/bulkSaveSightings (SightingsController::bulkSaveSightings), aggregated
// per attribute and interval on a thread of its own, in a bounded number of requests whatever the
// number of hits; a MISP outage is retried with a bound, then counted as dropped. What misp-sim
// stored is read back from GET /_sim/sightings. Run on the stand-in (spec/plugin-java) and on
// Logstash's classes under both class-loading modes (spec/logstash-real).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Sim } from '../agent/support/sim.js';
import { API_KEY, removeDir, tempDir, writeEvent } from '../agent/support/harness.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { seed } from '../plugin-java/harness.js';
import type { FilterPipeline } from './pipeline.js';

export interface Stored {
  uuid: string;
  attribute_uuid: string;
  event_id: string;
  date_sighting: string;
  type: string;
  source: string;
}

// Three attributes in two MISP events, the same in misp-sim's data and in memcached.
export const A = attribute('ip-dst', '203.0.113.41', { uuid: 'd1000000-0000-4000-8000-000000000001', event_id: '8101' });
const B = attribute('domain', 'sighted.example', { uuid: 'd1000000-0000-4000-8000-000000000002', event_id: '8101' });
export const C = attribute('sha256', 'a'.repeat(64), { uuid: 'd1000000-0000-4000-8000-000000000003', event_id: '8102' });

function mispEvent(id: string, attrs: (typeof A)[]) {
  return {
    Event: {
      id,
      uuid: `d2000000-0000-4000-8000-00000000${id}`,
      info: `sightings spec ${id}`,
      published: true,
      timestamp: 1_700_000_000,
      Attribute: attrs.map((a) => ({ uuid: a.uuid, type: a.type, value: a.value, category: a.category, to_ids: true, timestamp: 1_700_000_000 })),
    },
  };
}

/** N events: hits on A (in each), B (every second), C (every fifth), and misses. */
function stream(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const e: Record<string, unknown> = { destination: { ip: A.value }, source: { ip: `192.0.2.${i % 250}` } };
    if (i % 2 === 0) e.dns = { question: { name: `h${i}.${B.value}` } };
    if (i % 5 === 0) e.file = { hash: { sha256: C.value } };
    out.push(e);
  }
  return out;
}

/** What a sightings spec runs against, once its beforeAll has run. */
export interface SightingsWorld {
  readonly sim: Sim;
  /** The sightings misp-sim stored. */
  stored(): Promise<Stored[]>;
  /** The filter's settings for memcached and misp-sim, sightings on (source soc-logstash-7), then `extra`. */
  settings(extra?: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Registers the describe's beforeAll and afterAll: memcached holding what the agent writes for
 * the events' attributes, misp-sim holding the events (MISP event id → its attributes).
 */
export function sightingsWorld(assertBuilt: () => void, dirPrefix: string, events: Record<string, (typeof A)[]>): SightingsWorld {
  let mc: MemcachedProcess;
  let sim: Sim;
  let dataDir: string;

  beforeAll(async () => {
    assertBuilt();
    mc = await startMemcached();
    await seed(mc.address, entriesFor(Object.values(events).flat()));
    dataDir = tempDir(dirPrefix);
    for (const [id, attrs] of Object.entries(events)) writeEvent(dataDir, `e${id}.json`, mispEvent(id, attrs));
    sim = await Sim.start({ dataDir, zmq: false });
  });

  afterAll(async () => {
    await sim?.kill();
    await mc?.stop();
    if (dataDir) removeDir(dataDir);
  });

  return {
    get sim() {
      return sim;
    },
    stored: async () => ((await sim.admin('/_sim/sightings')) as { sightings: Stored[] }).sightings,
    settings: (extra = {}) => ({
      memcached_hosts: [mc.address],
      fetch_context: false,
      misp_url: sim.url,
      misp_api_key: API_KEY,
      sightings: true,
      sightings_source: 'soc-logstash-7',
      ...extra,
    }),
  };
}

export function sightingsSuite(pipeline: FilterPipeline): void {
  const world = sightingsWorld(() => pipeline.assertBuilt(), 'sightings', { 8101: [A, B], 8102: [C] });
  const { stored } = world;
  const bulkRequests = async () => {
    const stats = (await world.sim.admin('/_sim/stats')) as { by_path: Record<string, number> };
    return Object.entries(stats.by_path).filter(([p]) => p.startsWith('/sightings/bulkSaveSightings/')).reduce((n, [, c]) => n + c, 0);
  };
  // One report for the whole run, at close(): the counts are the run's, whatever its speed.
  const settings = (extra: Record<string, unknown> = {}) => world.settings({ sightings_interval: 3600, ...extra });

  it('reports N hits on M attributes as sightings of exactly those M attributes, with their counts and source, in one request per event', async () => {
    await world.sim.admin('/_sim/sightings/reset', {});
    await world.sim.admin('/_sim/stats/reset', {});
    const events = stream(1000);
    const r = await pipeline.run({ settings: settings({ sightings_max_per_attribute: 1000 }), events, workers: 2, batchSize: 125 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(1000);
    const got = await stored();
    const count = (uuid: string) => got.filter((s) => s.attribute_uuid === uuid).length;
    expect(new Set(got.map((s) => s.attribute_uuid))).toEqual(new Set([A.uuid, B.uuid, C.uuid]));
    expect(count(A.uuid)).toBe(1000);
    expect(count(B.uuid)).toBe(500);
    expect(count(C.uuid)).toBe(200);
    expect(new Set(got.map((s) => s.source))).toEqual(new Set(['soc-logstash-7']));
    expect(new Set(got.map((s) => s.type))).toEqual(new Set(['0']));
    expect(new Set(got.filter((s) => s.attribute_uuid === C.uuid).map((s) => s.event_id))).toEqual(new Set(['8102']));
    // 1,700 sightings, two events: two requests, whatever the number of hits.
    expect(await bulkRequests()).toBe(2);
    expect(pipeline.metric(r, 'sightings_sent') ?? 0).toBe(1700);
    expect(pipeline.metric(r, 'sightings_requests') ?? 0).toBe(2);
    expect(pipeline.metric(r, 'sightings_dropped') ?? 0).toBe(0);
    expect(r.report!.leaked_threads).toEqual([]);
  });

  it('reports one sighting per attribute and interval by default', async () => {
    await world.sim.admin('/_sim/sightings/reset', {});
    const r = await pipeline.run({ settings: settings(), events: stream(300) });
    expect(r.code, r.stderr).toBe(0);
    const got = await stored();
    expect(got.map((s) => s.attribute_uuid).sort()).toEqual([A.uuid, B.uuid, C.uuid].sort());
    // Dated at the attribute's last hit in the interval.
    const now = Date.now() / 1000;
    for (const s of got) expect(Math.abs(Number(s.date_sighting) - now)).toBeLessThan(600);
  });

  it.each([
    [{ sightings: true, fetch_context: false, misp_url: undefined }, 'misp_url'],
    [{ sightings: true, fetch_context: false, misp_api_key: undefined }, 'misp_api_key'],
    [{ sightings_interval: 0 }, 'sightings_interval'],
    [{ sightings_max_attributes: 0 }, 'sightings_max_attributes'],
    [{ sightings_max_per_attribute: 5000 }, 'sightings_max_per_attribute'],
    [{ sightings_source: ' ' }, 'sightings_source'],
  ])('refuses to start with %o, naming %s', async (extra, option) => {
    const s: Record<string, unknown> = { ...settings(), ...extra };
    for (const k of Object.keys(s)) if (s[k] === undefined) delete s[k];
    const r = await pipeline.run({ settings: s, events: [] });
    // The harness's exit code for a plugin that refused to start.
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`MISP_ENRICH_CONFIG: option '${option}'|'${option}'`));
  });

  it('bounds memory: past sightings_max_attributes, hits on further attributes are dropped and counted', async () => {
    await world.sim.admin('/_sim/sightings/reset', {});
    const r = await pipeline.run({ settings: settings({ sightings_max_attributes: 1 }), events: [{ destination: { ip: A.value } }, { file: { hash: { sha256: C.value } } }], batchSize: 1 });
    expect(r.code, r.stderr).toBe(0);
    expect((await stored()).map((s) => s.attribute_uuid)).toEqual([A.uuid]);
    expect(pipeline.metric(r, 'sightings_dropped') ?? 0).toBe(1);
  });

  it('a MISP outage fails the requests, is retried with a bound and counted, and never holds an event back', async () => {
    await world.sim.admin('/_sim/sightings/reset', {});
    await world.sim.fault('error500', { paths: ['/sightings/'] });
    try {
      const r = await pipeline.run({ settings: settings(), events: stream(50) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events).toHaveLength(50);
      expect(r.events[0]!.threat.enrichments.length).toBeGreaterThan(0);
      expect(await stored()).toEqual([]);
      expect(pipeline.metric(r, 'sightings_failures') ?? 0).toBeGreaterThanOrEqual(1);
      // Two events' worth of sightings, none sent: all counted as dropped at close.
      expect(pipeline.metric(r, 'sightings_dropped') ?? 0).toBe(3);
      expect(pipeline.metric(r, 'sightings_sent') ?? 0).toBe(0);
      expect(r.stderr).toContain('MISP_ENRICH_SIGHTINGS');
    } finally {
      await world.sim.fault('none');
    }
  });
}
