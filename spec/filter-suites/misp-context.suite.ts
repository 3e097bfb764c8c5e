// MISP context for hits, fetched from the MISP simulator (a real HTTP server over real MISP
// events) through the plugin's HTTP client and shared cache: one request per event id however
// many workers hit it, and a MISP that refuses the key or cannot be reached writes the hit from
// the agent's summary, tagged, never throws, and leaves nothing behind.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
// pymisp-existing_event-sednit.json is MISP event 9747 on the partner instance (misp_sources), by CIRCL.
const PARTNER_EVENT_ID = '9747';
const partnerHits = (n: number) => Array.from({ length: n }, (_, i) => ({ '@timestamp': TS, seq: i, destination: { ip: '203.0.113.50', domain: 'sednit-example.test' } }));

export function mispContextSuite(pipeline: FilterPipeline): void {
  let mc: MemcachedProcess;
  let sim: SimProcess;
  let partner: SimProcess;
  let dir: string;

  beforeAll(async () => {
    pipeline.assertBuilt();
    mc = await startMemcached();
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    partner = await startMispSim({ events: ['pymisp-existing_event-sednit.json'] });
    dir = mkdtempSync(join(tmpdir(), 'misp-sources-'));
    await seed(mc.address, entriesFor([
      attribute('ip-dst', '203.0.113.50', { event_id: EVENT_ID, event_info: 'stored summary info' }),
      attribute('domain', 'regin-example.test', { event_id: EVENT_ID, event_info: 'stored summary info' }),
      // As the agent writes an attribute of its --sources instance "partner".
      attribute('domain', 'sednit-example.test', { event_id: PARTNER_EVENT_ID, event_info: 'stored partner info', source: 'partner' }),
    ]));
  });

  afterAll(async () => {
    await sim?.stop();
    await partner?.stop();
    await mc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The agent's --sources file naming the partner, its key in a file of its own; the file's path. */
  function sourcesFile(key: string, entry: Record<string, unknown> = {}): string {
    const keyFile = join(dir, `partner-${key.length}-${Object.keys(entry).length}.key`);
    writeFileSync(keyFile, `${key}\n`);
    chmodSync(keyFile, 0o600);
    const file = join(dir, `sources-${key.length}-${Object.keys(entry).length}.json`);
    writeFileSync(file, JSON.stringify([{ name: 'partner', mispUrl: partner.url, apiKeyFile: keyFile, zmq: 'tcp://127.0.0.1:50000', ...entry }]));
    return file;
  }

  /** The filter's settings for memcached and the main MISP (misp-sim), then `over`. */
  const withMisp = (over: Record<string, unknown> = {}) => ({ memcached_hosts: [mc.address], misp_url: sim.url, misp_api_key: sim.apiKey, ...over });

  /** A run on several workers that must end well and write every event; its result. */
  async function runAll(settings: Record<string, unknown>, events: Record<string, unknown>[], workers: number) {
    const r = await pipeline.run({ settings, events, workers });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(events.length);
    return r;
  }

  async function restSearchCalls(of: SimProcess = sim): Promise<number> {
    const stats = JSON.stringify(await of.admin('/_sim/stats'));
    const m = /"\/events\/restSearch":\{[^}]*?"count":(\d+)/.exec(stats) ?? /"\/events\/restSearch":(\d+)/.exec(stats);
    if (!m) throw new Error(`no events/restSearch count in the simulator's stats: ${stats}`);
    return Number(m[1]);
  }

  it('writes the MISP event\'s context into the enrichment, with one request for all workers', async () => {
    await sim.admin('/_sim/stats/reset', {});
    const r = await runAll(withMisp(), hits(500), 4);
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
      settings: withMisp({ misp_api_key: 'wrong-key-0000' }),
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

  it('asks a failing MISP again only after context_failure_ttl: once for the whole run by default, at every batch with 0', async () => {
    const settings = withMisp({ misp_api_key: 'wrong-key-0000' });
    // Four batches of hits, one worker: the failure is remembered across batches.
    const remembered = await pipeline.run({ settings, events: hits(40), batchSize: 10 });
    expect(remembered.code, remembered.stderr).toBe(0);
    expect(pipeline.metric(remembered, 'fetches')).toBe(1);
    const retried = await pipeline.run({ settings: { ...settings, context_failure_ttl: 0 }, events: hits(40), batchSize: 10 });
    expect(retried.code, retried.stderr).toBe(0);
    expect(pipeline.metric(retried, 'fetches')).toBe(4);
    for (const e of retried.events) expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
  });

  it('writes the hit without context and tags it when MISP is unreachable', async () => {
    const r = await pipeline.run({
      settings: withMisp({ misp_url: `http://127.0.0.1:${await freePort()}` }),
      events: hits(2),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.tags)).toEqual([['_misp_enrich_fetch_failure'], ['_misp_enrich_fetch_failure']]);
    expect(r.report!.leaked_threads).toEqual([]);
    expect(r.report!.leaked_sockets).toEqual([]);
  });

  it('fetches a further MISP instance\'s event from that instance (misp_sources, the agent\'s --sources file), and the main MISP\'s from misp_url', async () => {
    await sim.admin('/_sim/stats/reset', {});
    await partner.admin('/_sim/stats/reset', {});
    const r = await runAll(withMisp({ misp_sources: sourcesFile(partner.apiKey) }), partnerHits(200), 2);
    for (const e of r.events) {
      const en = e.threat.enrichments;
      const fromPartner = en.find((x: any) => x.feed.name === 'partner');
      expect(fromPartner.indicator.description).toBe('OSINT - Sednit update: How Fancy Bear Spent the Year');
      expect(fromPartner.indicator.reference).toBe(`${partner.url}/events/view/${PARTNER_EVENT_ID}`);
      expect(fromPartner.misp.galaxies).toContain('threat-actor=Sofacy');
      const fromMain = en.find((x: any) => x.feed.name === 'MISP');
      expect(fromMain.indicator.description).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(fromMain.indicator.reference).toBe(`${sim.url}/events/view/${EVENT_ID}`);
      expect(e.tags).toBeUndefined();
    }
    // One request to each instance, each for its own event.
    expect(await restSearchCalls(partner)).toBe(1);
    expect(await restSearchCalls(sim)).toBe(1);
    expect(pipeline.metric(r, 'fetches')).toBe(2);
    expect(r.stderr).not.toContain(partner.apiKey);
    expect(r.stderr).not.toContain(sim.apiKey);
  });

  it('tags the hit and names the instance when a further MISP instance refuses its key; the main MISP\'s context still comes', async () => {
    const r = await pipeline.run({
      settings: withMisp({ misp_sources: sourcesFile('wrong-partner-key-0000') }),
      events: partnerHits(2),
    });
    expect(r.code, r.stderr).toBe(0);
    for (const e of r.events) {
      expect(e.threat.enrichments.find((x: any) => x.feed.name === 'partner').indicator.description).toBe('stored partner info');
      expect(e.threat.enrichments.find((x: any) => x.feed.name === 'MISP').indicator.description).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(e.tags).toEqual(['_misp_enrich_fetch_failure']);
    }
    expect(r.stderr).toMatch(/MISP_ENRICH_FETCH: events\/restSearch of MISP instance "partner" answered HTTP 40\d/);
    expect(r.stderr).not.toContain('wrong-partner-key-0000');
  });

  it('asks only the instances of misp_sources when misp_url is not set', async () => {
    await partner.admin('/_sim/stats/reset', {});
    const r = await pipeline.run({
      settings: { memcached_hosts: [mc.address], misp_sources: sourcesFile(partner.apiKey) },
      events: partnerHits(3),
    });
    expect(r.code, r.stderr).toBe(0);
    for (const e of r.events) {
      expect(e.threat.enrichments.find((x: any) => x.feed.name === 'partner').indicator.description).toBe('OSINT - Sednit update: How Fancy Bear Spent the Year');
      // The main MISP's hit is written from its summary, with no MISP to ask and no tag.
      expect(e.threat.enrichments.find((x: any) => x.feed.name === 'MISP').indicator.description).toBe('stored summary info');
      expect(e.tags).toBeUndefined();
    }
    expect(await restSearchCalls(partner)).toBe(1);
  });
}
