// The retro-hunt of every source, on a real OpenSearch with real agent processes: a further MISP
// instance (--sources) and a MISP feed (--feed) are hunted as the main instance is, each alert
// naming its source as the filter would (feed.name), the partner's with its own event's context
// and page (its event id is the main MISP's too, on purpose); and an agent with no MISP server
// (feeds alone) hunts what a feed adds while it runs.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProc } from '../agent/support/agent-process.js';
import { removeDir, tempDir, until, writeEvent } from '../agent/support/harness.js';
import { Sim } from '../agent/support/sim.js';
import { useAgentWorld } from '../agent/support/world.js';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../../tools/opensearch.js';
import { alertsByPair, indexEvents, installTemplates } from './support/retro.js';

type Json = Record<string, any>;
const PARTNER_KEY = 'partner-key-5e1d9c3b7a2f4e6d8c0b1a3f5e7d9c1b3a5f7e9d';
const now = () => String(Math.floor(Date.now() / 1000));
const DAY = 86_400_000;

// The events the SOC saw two days ago, before any source knew these values.
const past: Json[] = [
  { seq: 0, destination: { domain: 'partner-hunt.example' } },
  { seq: 1, destination: { domain: 'feed-hunt.example' } },
  { seq: 2, destination: { domain: 'late-feed.example' } },
  { seq: 3, destination: { domain: 'nobody-knows.example' } },
].map((e) => ({ ...e, '@timestamp': new Date(Date.now() - 2 * DAY).toISOString() }));

const PARTNER_ATTR = 'c1000000-0000-4000-8000-000000000001';
const FEED_ATTR = 'f5000000-0000-4000-8000-000000000101';
const LATE_ATTR = 'f5000000-0000-4000-8000-000000000102';
const FEED_EVENT = 'f5000000-0000-4000-8000-000000000001';

/** The partner's event: id 9001, as the main MISP's fixture event. */
function partnerEvent() {
  const ts = now();
  return {
    Event: {
      id: '9001', uuid: 'c1000000-0000-4000-8000-000000009001', info: 'partner hunt event', published: true, timestamp: ts, publish_timestamp: ts, date: '2026-12-01',
      threat_level_id: '1', analysis: '2', Orgc: { id: '7', name: 'PARTNER-CERT', uuid: 'c1000000-0000-4000-8000-0000000000aa' }, Tag: [{ name: 'tlp:green' }],
      Attribute: [{ id: '9701', uuid: PARTNER_ATTR, event_id: '9001', type: 'domain', category: 'Network activity', value: 'partner-hunt.example', to_ids: true, timestamp: ts, deleted: false }],
    },
  };
}

/** The feed, in MISP's feed format: one event, with `late` added when asked. */
function writeFeed(dir: string, late: boolean): void {
  const ts = now();
  const attr = (uuid: string, value: string) => ({ uuid, type: 'domain', category: 'Network activity', value, to_ids: true, timestamp: ts });
  writeEvent(dir, `${FEED_EVENT}.json`, {
    Event: { uuid: FEED_EVENT, info: 'hunted feed event', timestamp: ts, published: true, Orgc: { name: 'Feed Org' }, Tag: [],
      Attribute: [attr(FEED_ATTR, 'feed-hunt.example'), ...(late ? [attr(LATE_ATTR, 'late-feed.example')] : [])] },
  });
  writeEvent(dir, 'manifest.json', { [FEED_EVENT]: { info: 'hunted feed event', timestamp: ts } });
}

const partnerData = tempDir('retro-partner');
writeEvent(partnerData, 'partner.json', partnerEvent());
const partner = await Sim.start({ dataDir: partnerData, apiKey: PARTNER_KEY });
const feedDir = tempDir('retro-feed');
writeFeed(feedDir, false);

describe('the retro-hunt of every source (real agents, two misp-sim, a feed, memcached, OpenSearch)', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'] });
  let node: OpenSearchNode;
  let sources = '';

  beforeAll(async () => {
    expect(prepareLauncher()).toBeNull();
    node = await startOpenSearch();
    await installTemplates(node.url);
    await indexEvents(node.url, past);
    const keyFile = join(world.workDir, 'partner.key');
    writeFileSync(keyFile, `${PARTNER_KEY}\n`);
    chmodSync(keyFile, 0o600);
    sources = join(world.workDir, 'sources.json');
    writeFileSync(sources, JSON.stringify([{ name: 'partner', mispUrl: partner.url, apiKeyFile: keyFile }]));
  }, 300_000);

  afterAll(async () => {
    await node?.stop();
    await partner.kill();
    removeDir(partnerData);
    removeDir(feedDir);
  });

  it('--once --retro-backfill hunts the partner\'s and the feed\'s indicators: each alert names its source, the partner\'s event is its own', async () => {
    const r = await world.once(['--sources', sources, '--feed', `hunted=${feedDir}`, '--retro-url', node.url, '--retro-backfill', '--retro-rate', '200',
      '--retro-alerts-index', 'retro-sources', '--retro-match', 'fields']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Json).retro).toMatchObject({ queued: 0 });
    const { byPair } = await alertsByPair(node.url, 'retro-sources');
    const fromPartner = byPair.get(`0 ${PARTNER_ATTR}`)?.[0]?.threat.enrichments[0];
    expect(fromPartner).toMatchObject({
      feed: { name: 'partner' },
      indicator: { description: 'partner hunt event', provider: 'PARTNER-CERT', reference: `${partner.url}/events/view/9001`, marking: { tlp: 'GREEN' } },
    });
    const fromFeed = byPair.get(`1 ${FEED_ATTR}`)?.[0]?.threat.enrichments[0];
    expect(fromFeed).toMatchObject({ feed: { name: 'hunted' }, indicator: { description: 'hunted feed event', provider: 'Feed Org' } });
    expect(fromFeed.indicator.reference).toBeUndefined();
    // Nothing for what no source knows.
    expect([...byPair.keys()].filter((k) => k.startsWith('3 '))).toEqual([]);
    expect(r.stderr).not.toContain(PARTNER_KEY);
  });

  it('without a MISP server, hunts what a feed adds while the agent runs', async () => {
    const agent = await AgentProc.start({
      mispUrl: null, memcached: [world.mc.address], env: { MISP_API_KEY: '' },
      args: ['--feed', `hunted=${feedDir}`, '--feed-interval', '1', '--retro-url', node.url, '--retro-rate', '200', '--retro-alerts-index', 'retro-late', '--retro-match', 'fields'],
    });
    try {
      await agent.waitFor('sources', 'ok', 1);
      // The feed's first read is the set as it was: not hunted without --retro-backfill.
      writeFeed(feedDir, true);
      await until('the alert of the feed\'s late indicator', async () => (await alertsByPair(node.url, 'retro-late')).byPair.has(`2 ${LATE_ATTR}`));
      const { byPair } = await alertsByPair(node.url, 'retro-late');
      expect(byPair.get(`2 ${LATE_ATTR}`)![0]!.threat.enrichments[0]).toMatchObject({ feed: { name: 'hunted' } });
      expect(byPair.has(`1 ${FEED_ATTR}`)).toBe(false);
    } finally {
      await agent.kill();
    }
    await osRequest(node.url, 'DELETE', '/retro-late').catch(() => undefined);
  });
});
