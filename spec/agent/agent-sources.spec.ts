// A second MISP instance beside --misp-url (--sources), real processes: two misp-sim instances
// (each with its own API key), a MISP feed directory and memcached. The partner's indicators join the one set, named
// after it; the filter (the plugin jar), given the same file as misp_sources, asks the partner
// for the partner's events and the main MISP for its own (here both have an event 9001, on
// purpose); a partner that fails keeps its part while the main MISP's changes flow; its key
// never shows in any output; taken out of the configuration, its part goes after the next full sync.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeSummary } from '../../plugin/core/ioc/index.js';
import { assertJarsBuilt, runFilter } from '../plugin-java/harness.js';
import type { AgentProc } from './support/agent-process.js';
import { API_KEY, keysOf, readFixture, tempDir, removeDir, until, writeEvent } from './support/harness.js';
import { Sim } from './support/sim.js';
import { useAgentWorld } from './support/world.js';

const PARTNER_KEY = 'partner-key-0c2f4d6e8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d';
const every = readFixture('event-every-type.json');
const now = () => String(Math.floor(Date.now() / 1000));

/** The partner's event: the same numeric id as the main MISP's fixture event, other uuids. */
function partnerEvent(extra: Record<string, unknown>[] = []) {
  const ts = now();
  return {
    Event: {
      id: '9001', uuid: 'c0000000-0000-4000-8000-000000009001', info: 'partner event', published: true, timestamp: ts, publish_timestamp: ts, date: '2026-12-01',
      threat_level_id: '2', analysis: '2', Orgc: { id: '7', name: 'PARTNER-CERT', uuid: 'c0000000-0000-4000-8000-0000000000aa' }, Tag: [{ name: 'tlp:green' }],
      Attribute: [
        { id: '9601', uuid: 'c0000000-0000-4000-8000-000000000001', event_id: '9001', type: 'domain', category: 'Network activity', value: 'partner-only.example', to_ids: true, timestamp: ts, deleted: false },
        // The main MISP has shared.example too, in another attribute: both are listed.
        { id: '9602', uuid: 'c0000000-0000-4000-8000-000000000002', event_id: '9001', type: 'domain', category: 'Network activity', value: 'shared.example', to_ids: true, timestamp: ts, deleted: false },
        ...extra,
      ],
    },
  };
}

// A MISP feed directory beside both instances: all three sources into one memcached.
const feedDir = tempDir('sources-feed');
const FEED_EVENT = 'f4000000-0000-4000-8000-000000000001';
writeEvent(feedDir, 'manifest.json', { [FEED_EVENT]: { info: 'feed beside two instances', timestamp: '1764000000' } });
writeEvent(feedDir, `${FEED_EVENT}.json`, {
  Event: { uuid: FEED_EVENT, info: 'feed beside two instances', timestamp: '1764000000', published: true, Orgc: { name: 'Feed Org' }, Tag: [],
    Attribute: [{ uuid: 'f4000000-0000-4000-8000-000000000101', type: 'domain', category: 'Network activity', value: 'shared.example', to_ids: true, timestamp: '1764000000' }] },
});

/** The --sources file naming the partner (its key in a file of its own beside it); its path. */
function partnerSources(dir: string, partnerEntry: { mispUrl: string; zmq?: string }): string {
  const keyFile = join(dir, 'partner.key');
  writeFileSync(keyFile, `${PARTNER_KEY}\n`);
  chmodSync(keyFile, 0o600);
  const sources = join(dir, 'sources.json');
  writeFileSync(sources, JSON.stringify([{ name: 'partner', apiKeyFile: keyFile, ...partnerEntry }]));
  return sources;
}

// The partner runs before the world's agent starts with it.
const partnerData = tempDir('partner-data');
writeEvent(partnerData, 'partner.json', partnerEvent());
const partner = await Sim.start({ dataDir: partnerData, apiKey: PARTNER_KEY });

describe('a second MISP instance (--sources; real agent, two misp-sim, memcached)', () => {
  const world = useAgentWorld({
    data: ['event-every-type.json'],
    agent: {
      args: (w) => {
        const sources = partnerSources(w.workDir, { mispUrl: partner.url });
        return ['--sources', sources, '--feed', `localfeed=${feedDir}`, '--snapshot', join(w.workDir, 'snapshot.jsonl'), '--full-resync', '4'];
      },
    },
  });
  const at = (key: string): Promise<AttributeSummary[]> => world.reader.attributesAt(key);
  const syncs = (agent: AgentProc, mode: 'full' | 'incremental', result: 'ok' | 'error') => agent.metric('source_syncs_total', { source: 'partner', mode, result });

  beforeAll(async () => {
    await until('the partner\'s first full sync and the feed\'s first read', async () =>
      (await syncs(world.agent, 'full', 'ok')) >= 1 && (await world.agent.metric('feed_syncs_total', { feed: 'localfeed', result: 'ok' })) >= 1);
  });
  afterAll(async () => {
    await partner.kill();
    removeDir(partnerData);
    removeDir(feedDir);
  });

  it('puts the partner\'s indicators in the set, named after it', async () => {
    expect(await at(keysOf({ type: 'domain', value: 'partner-only.example' })[0]!)).toMatchObject([
      { uuid: 'c0000000-0000-4000-8000-000000000001', source: 'partner', event_id: '9001', event_info: 'partner event', org: 'PARTNER-CERT' },
    ]);
    const shared = await at(keysOf({ type: 'domain', value: 'shared.example' })[0]!);
    expect(shared.map((a) => [a.uuid, a.source ?? 'MISP']).sort()).toEqual([
      ['a0000000-0000-4000-8000-000000000027', 'MISP'],
      ['c0000000-0000-4000-8000-000000000002', 'partner'],
      ['f4000000-0000-4000-8000-000000000101', 'localfeed'],
    ]);
    // A partner's attribute is no feed's.
    expect(shared.find((a) => a.source === 'partner')).not.toHaveProperty('feed');
    expect((await world.agent.health()).body.sources).toEqual([expect.objectContaining({ name: 'partner', attributes: 2, last_error: null })]);
  });

  it('is matched by the filter (the plugin jar) with each source\'s name, each MISP instance\'s context fetched from that instance (misp_sources: the same file)', async () => {
    assertJarsBuilt();
    const r = await runFilter({
      settings: { memcached_hosts: [world.mc.address], misp_url: world.sim.url, misp_api_key: API_KEY, misp_sources: join(world.workDir, 'sources.json') },
      events: [{ destination: { domain: 'shared.example' } }, { destination: { domain: 'partner-only.example' } }],
    });
    expect(r.code, r.stderr).toBe(0);
    const [shared, only] = r.events as { threat: { enrichments: any[] }; tags?: string[] }[];
    const by = (e: { threat: { enrichments: any[] } }, name: string) => e.threat.enrichments.find((x) => x.feed.name === name);
    expect(shared!.threat.enrichments.map((x) => x.feed.name).sort()).toEqual(['MISP', 'localfeed', 'partner']);
    // Event 9001 of each instance, each asked of its own instance.
    expect(by(shared!, 'MISP').indicator).toMatchObject({ description: every.Event.info, reference: `${world.sim.url}/events/view/9001` });
    expect(by(shared!, 'partner').indicator).toMatchObject({ description: 'partner event', provider: 'PARTNER-CERT', reference: `${partner.url}/events/view/9001`, marking: { tlp: 'GREEN' } });
    // The feed's context is its own: nothing to fetch, no page to link.
    expect(by(shared!, 'localfeed').indicator.description).toBe('feed beside two instances');
    expect(by(shared!, 'localfeed').indicator.reference).toBeUndefined();
    expect(only!.threat.enrichments.map((x) => x.feed.name)).toEqual(['partner']);
    expect(shared!.tags).toBeUndefined();
    expect(only!.tags).toBeUndefined();
    expect(r.stderr).not.toContain(PARTNER_KEY);
  });

  it('keeps a failing partner\'s part while the main MISP\'s changes flow, and takes its changes when it is back', async () => {
    await partner.fault('error500');
    const errors = await syncs(world.agent, 'incremental', 'error') + (await syncs(world.agent, 'full', 'error'));
    await until('a failed partner sync', async () => (await syncs(world.agent, 'incremental', 'error')) + (await syncs(world.agent, 'full', 'error')) > errors);
    const ev = structuredClone(every);
    (ev.Event.Attribute as Record<string, unknown>[]).push({ ...ev.Event.Attribute[0]!, id: '9501', uuid: 'a0000000-0000-4000-8000-000000000501', type: 'domain', value: 'main-added.example', timestamp: now() });
    ev.Event.timestamp = now();
    writeEvent(world.dataDir, 'event-every-type.json', ev);
    await until('the main MISP\'s addition', async () => (await at(keysOf({ type: 'domain', value: 'main-added.example' })[0]!)).length === 1);
    expect(await at(keysOf({ type: 'domain', value: 'partner-only.example' })[0]!)).toHaveLength(1);
    expect(world.agent.logs().some((l) => l.source === 'partner' && l.code === 'MISP_ENRICH_AGENT_MISP_HTTP' && l.level === 'error')).toBe(true);
    await partner.fault('none');
    writeEvent(partnerData, 'partner.json', partnerEvent([
      { id: '9603', uuid: 'c0000000-0000-4000-8000-000000000003', event_id: '9001', type: 'ip-dst', category: 'Network activity', value: '198.51.100.201', to_ids: true, timestamp: now(), deleted: false },
    ]));
    await until('the partner\'s addition', async () => (await at(keysOf({ type: 'ip-dst', value: '198.51.100.201' })[0]!)).length === 1);
    expect(await at(keysOf({ type: 'ip-dst', value: '198.51.100.201' })[0]!)).toMatchObject([{ source: 'partner' }]);
  });

  it('runs --once with the partner and the feed: one sync of each, summed up; a failing partner fails the run (exit 3)', async () => {
    const sources = join(world.workDir, 'sources.json');
    const ok = await world.once(['--sources', sources, '--feed', `localfeed=${feedDir}`]);
    expect(ok.code, ok.stderr).toBe(0);
    const summary = JSON.parse(ok.stdout) as { feeds: { feed: string; events: { read: number } }[] };
    expect(summary.feeds).toEqual([expect.objectContaining({ feed: 'localfeed', events: expect.objectContaining({ read: 1 }) })]);
    expect(ok.stderr).toContain('source partner: full sync done');
    await partner.fault('error500');
    try {
      const failed = await world.once(['--sources', sources, '--retries', '0']);
      expect(failed.code).toBe(3);
      expect(failed.stderr).toContain('MISP_ENRICH_AGENT_MISP_HTTP');
      expect(failed.stderr + failed.stdout).not.toContain(PARTNER_KEY);
    } finally {
      await partner.fault('none');
    }
  });

  it('never shows the partner\'s key, and removes its part once it is taken out of the configuration', async () => {
    const snapshot = join(world.workDir, 'snapshot.jsonl');
    await until('the partner\'s part beside the snapshot', () => existsSync(`${snapshot}.source-partner`));
    await world.agent.kill();
    const output = [...world.agent.out, ...world.agent.err].join('\n') + (await world.agent.metricsText().catch(() => ''));
    expect(output).not.toContain(PARTNER_KEY);
    expect(output).not.toContain(PARTNER_KEY.slice(10, 30));
    const alone = await world.startAgent({ args: ['--snapshot', snapshot] });
    await alone.waitFor('full', 'ok', 1);
    await until('the partner\'s and the feed\'s snapshots to go', () => !existsSync(`${snapshot}.source-partner`) && !existsSync(`${snapshot}.source-localfeed`));
    expect(await at(keysOf({ type: 'domain', value: 'partner-only.example' })[0]!)).toEqual([]);
    // The feed is out of the configuration too: only the main instance's attribute is left.
    expect((await at(keysOf({ type: 'domain', value: 'shared.example' })[0]!)).map((a) => a.uuid)).toEqual(['a0000000-0000-4000-8000-000000000027']);
    expect(await at(keysOf({ type: 'domain', value: 'main-added.example' })[0]!)).toHaveLength(1);
  });
});

// The partner's ZeroMQ feed (its `zmq` in --sources): polling is 10 minutes away, so only the
// feed can carry a change to memcached in the spec's time.
const livePartnerData = tempDir('partner-live-data');
writeEvent(livePartnerData, 'partner.json', partnerEvent());
const livePartner = await Sim.start({ dataDir: livePartnerData, apiKey: PARTNER_KEY, zmq: { heartbeatS: 1 } });

describe('a second MISP instance followed on its ZeroMQ feed (zmq in --sources)', () => {
  const world = useAgentWorld({
    data: ['event-every-type.json'],
    agent: {
      args: (w) => {
        const sources = partnerSources(w.workDir, { mispUrl: livePartner.url, zmq: livePartner.zmqEndpoint });
        return ['--sources', sources, '--interval', '600', '--key-ttl', '3600'];
      },
    },
  });
  afterAll(async () => {
    await livePartner.kill();
    removeDir(livePartnerData);
  });

  it('applies what the partner publishes, as it publishes it', async () => {
    await until('the partner\'s feed connected', async () => (await world.agent.metric('source_zmq_connected', { source: 'partner' })) === 1);
    const key = keysOf({ type: 'domain', value: 'partner-live.example' })[0]!;
    expect(await world.reader.attributesAt(key)).toEqual([]);
    writeEvent(livePartnerData, 'partner.json', partnerEvent([
      { id: '9604', uuid: 'c0000000-0000-4000-8000-000000000004', event_id: '9001', type: 'domain', category: 'Network activity', value: 'partner-live.example', to_ids: true, timestamp: now(), deleted: false },
    ]));
    await until('the published attribute in memcached', async () => (await world.reader.attributesAt(key)).length === 1, 15_000);
    expect(await world.reader.attributesAt(key)).toMatchObject([{ source: 'partner', uuid: 'c0000000-0000-4000-8000-000000000004' }]);
    // Logged after the write: the line may reach the pipe a moment after the key.
    await until('the agent to log its live update', () => world.agent.logs().some((l) => l.msg === 'source partner: live update applied'));
  });

  it('removes a partner\'s attribute when it leaves the --max-age window, at that moment, without a sync', async () => {
    await world.agent.kill();
    const changed = Math.floor(Date.now() / 1000) - 25;
    writeEvent(livePartnerData, 'partner.json', partnerEvent([
      { id: '9605', uuid: 'c0000000-0000-4000-8000-000000000005', event_id: '9001', type: 'domain', category: 'Network activity', value: 'partner-aging.example', to_ids: true, timestamp: String(changed), deleted: false },
    ]));
    const agent = await world.startAgent({ args: ['--sources', join(world.workDir, 'sources.json'), '--interval', '600', '--key-ttl', '3600', '--max-age', '30'] });
    await agent.waitFor('full', 'ok', 1);
    const key = keysOf({ type: 'domain', value: 'partner-aging.example' })[0]!;
    await until('the partner\'s aging attribute in memcached', async () => (await world.reader.attributesAt(key)).length === 1);
    expect(await world.reader.attributesAt(key)).toMatchObject([{ source: 'partner', expires: changed + 30 }]);
    const syncs = await agent.metric('source_syncs_total', { source: 'partner', mode: 'full', result: 'ok' });
    await until('the aged attribute to leave memcached', async () => (await world.reader.attributesAt(key)).length === 0);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(changed + 30 - 0.001);
    // By the expiry, not by a full sync (polling is 10 minutes away; the ZeroMQ feed's catch-up
    // syncs are incremental and return only what changed, which this attribute did not).
    expect(await agent.metric('source_syncs_total', { source: 'partner', mode: 'full', result: 'ok' })).toBe(syncs);
    expect(agent.logs().some((l) => l.msg === 'expired 1 attributes (decay threshold or --max-age) of partner' && l.source === 'partner')).toBe(true);
  });
});
