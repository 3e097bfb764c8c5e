// MISP feeds beside the MISP instance (--feed), real processes: misp-sim, memcached, the agent,
// one feed served over HTTP by the spec (a static file tree, as a feed host serves one) and one
// feed in a local directory, both in MISP's feed format (manifest.json, <uuid>.json; the layout
// of ../shared/misp/feed, data generated here). Every source's indicators are in the one set,
// each feed's attributes named after their feed; a value several sources carry lists each of
// their attributes once; a feed that fails keeps its part while the others' changes flow; an
// event gone from a feed's manifest loses its keys.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeSummary } from '../../plugin/core/ioc/index.js';
import { startMemcached } from '../support/memcached.js';
import { AgentProc } from './support/agent-process.js';
import { keysOf, listenOnLoopback, readFixture, removeDir, runAgent, tempDir, until, writeEvent } from './support/harness.js';
import { Reader } from './support/reader.js';
import { useAgentWorld, type AgentWorld } from './support/world.js';

type FeedAttr = { uuid: string; type: string; value: string; to_ids: boolean; category?: string; timestamp?: string; Tag?: { name: string }[] };
interface FeedEvent {
  uuid: string;
  info: string;
  timestamp: number;
  attributes: FeedAttr[];
  /** Attributes inside one MISP object of the event. */
  objectAttributes?: FeedAttr[];
}

/** Writes a feed as MISP's feed generator lays it out: manifest.json and one file per event. */
function writeFeed(dir: string, events: FeedEvent[]): void {
  mkdirSync(dir, { recursive: true });
  const manifest: Record<string, unknown> = {};
  for (const e of events) {
    const org = { id: '1', name: 'Feed Org', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f' };
    manifest[e.uuid] = { Orgc: org, Tag: [{ name: 'tlp:white' }], info: e.info, date: '2026-12-01', analysis: '2', threat_level_id: '3', timestamp: String(e.timestamp) };
    const attr = (a: FeedAttr) => ({ category: 'Network activity', timestamp: String(e.timestamp), deleted: false, distribution: '5', comment: '', object_relation: null, ...a });
    writeEvent(dir, `${e.uuid}.json`, {
      Event: {
        uuid: e.uuid, info: e.info, date: '2026-12-01', published: true, timestamp: String(e.timestamp), analysis: '2', threat_level_id: '3',
        Orgc: org, Tag: [{ name: 'tlp:white' }],
        Attribute: e.attributes.map(attr),
        Object: e.objectAttributes ? [{ name: 'url', meta_category: 'network', uuid: `${e.uuid.slice(0, 30)}ffffff`, Attribute: e.objectAttributes.map(attr) }] : [],
      },
    });
  }
  writeEvent(dir, 'manifest.json', manifest);
}

const every = readFixture('event-every-type.json');
const mirrored = (every.Event.Attribute as { uuid: string; type: string; value: string }[]).find((a) => a.value === 'Evil.Example')!;
const T0 = 1_764_000_000;

const osintEvents: FeedEvent[] = [
  {
    uuid: 'f1000000-0000-4000-8000-000000000001', info: 'OSINT feed event one', timestamp: T0,
    attributes: [
      { uuid: 'f1000000-0000-4000-8000-000000000101', type: 'domain', value: 'feed-only.example', to_ids: true },
      // The MISP instance has 192.0.2.10 too, in another attribute: both are listed.
      { uuid: 'f1000000-0000-4000-8000-000000000102', type: 'ip-dst', value: '192.0.2.10', to_ids: true },
      // The same attribute as the MISP instance's (a feed of the same event): listed once.
      { uuid: mirrored.uuid, type: mirrored.type, value: mirrored.value, to_ids: true },
      { uuid: 'f1000000-0000-4000-8000-000000000104', type: 'domain', value: 'not-for-ids.example', to_ids: false },
    ],
    objectAttributes: [{ uuid: 'f1000000-0000-4000-8000-000000000105', type: 'url', value: 'http://feed-object.example/payload', to_ids: true }],
  },
  {
    uuid: 'f1000000-0000-4000-8000-000000000002', info: 'OSINT feed event two', timestamp: T0,
    attributes: [{ uuid: 'f1000000-0000-4000-8000-000000000201', type: 'domain', value: 'second-event.example', to_ids: true }],
  },
  {
    uuid: 'f1000000-0000-4000-8000-000000000003', info: 'OSINT feed event three', timestamp: T0,
    attributes: [{ uuid: 'f1000000-0000-4000-8000-000000000301', type: 'domain', value: 'third-event.example', to_ids: true }],
  },
];
const localEvent: FeedEvent = {
  uuid: 'f2000000-0000-4000-8000-000000000001', info: 'Local feed', timestamp: T0,
  attributes: [{ uuid: 'f2000000-0000-4000-8000-000000000101', type: 'sha256', value: 'b'.repeat(64), to_ids: true }],
};

// The feeds and the server of one of them exist before the world's agent starts with them.
const osintDir = tempDir('feed-osint');
const localDir = tempDir('feed-local');
writeFeed(osintDir, osintEvents);
writeFeed(localDir, [localEvent]);
let failing = false;
const server = createServer((req, res) => {
  const name = (req.url ?? '/').slice(1);
  if (failing) return void res.writeHead(503).end();
  if (!/^[\w.-]+\.json$/.test(name)) return void res.writeHead(404).end();
  try {
    res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(join(osintDir, name)));
  } catch {
    res.writeHead(404).end();
  }
});
const feedUrl = `http://127.0.0.1:${await listenOnLoopback(server)}`;
// The feeds serve both describe blocks below.
afterAll(() => {
  server.close();
  removeDir(osintDir);
  removeDir(localDir);
});

describe('MISP feeds beside the MISP instance (--feed; real agent, misp-sim, memcached)', () => {
  const world: AgentWorld = useAgentWorld({
    data: ['event-every-type.json'],
    agent: { args: (w) => ['--feed', `osint=${feedUrl},local=${localDir}`, '--feed-interval', '1', '--snapshot', join(w.workDir, 'snapshot.jsonl')] },
  });
  const at = async (key: string): Promise<AttributeSummary[]> => world.reader.attributesAt(key);
  const feedReads = (feed: string, result: 'ok' | 'error') => world.agent.metric('feed_syncs_total', { feed, result });

  beforeAll(async () => {
    await until('both feeds read', async () => (await feedReads('osint', 'ok')) >= 1 && (await feedReads('local', 'ok')) >= 1);
  });

  it('puts every source\'s indicators in the one set, each feed\'s attributes named after it', async () => {
    const only = await at(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!);
    expect(only).toMatchObject([{ uuid: 'f1000000-0000-4000-8000-000000000101', source: 'osint', feed: true, event_id: osintEvents[0]!.uuid, event_info: 'OSINT feed event one', org: 'Feed Org' }]);
    expect(only[0]!.tags).toContain('tlp:white');
    expect(await at(keysOf({ type: 'url', value: 'http://feed-object.example/payload' })[0]!)).toMatchObject([{ source: 'osint', feed: true }]);
    expect(await at(keysOf({ type: 'sha256', value: 'b'.repeat(64) })[0]!)).toMatchObject([{ source: 'local', feed: true }]);
    // to_ids off in the feed: not stored, as for MISP's own attributes.
    expect(await at(keysOf({ type: 'domain', value: 'not-for-ids.example' })[0]!)).toEqual([]);
    // MISP's attributes name no source: the enrichment says "MISP".
    expect((await at(keysOf({ type: 'md5', value: '376d05a2f56f4e1ea958b2983c103d2d' })[0]!))[0]).not.toHaveProperty('source');
  });

  it('lists each attribute once under a value several sources carry', async () => {
    const shared = await at(keysOf({ type: 'ip-dst', value: '192.0.2.10' })[0]!);
    expect(shared.map((a) => [a.uuid, a.source ?? 'MISP']).sort()).toEqual([
      ['a0000000-0000-4000-8000-000000000001', 'MISP'],
      ['f1000000-0000-4000-8000-000000000102', 'osint'],
    ]);
    const same = await at(keysOf(mirrored)[0]!);
    expect(same.map((a) => a.uuid)).toEqual([mirrored.uuid]);
  });

  it('keeps a failing feed\'s part while MISP\'s and the other feed\'s changes flow', async () => {
    failing = true;
    const errors = await feedReads('osint', 'error');
    await until('a failed read of the osint feed', async () => (await feedReads('osint', 'error')) > errors);
    const now = Math.floor(Date.now() / 1000);
    const ev = structuredClone(every);
    (ev.Event.Attribute as Record<string, unknown>[]).push({ ...ev.Event.Attribute[0]!, id: '9401', uuid: 'a0000000-0000-4000-8000-000000000401', type: 'domain', value: 'misp-added.example', timestamp: String(now) });
    ev.Event.timestamp = String(now);
    writeEvent(world.dataDir, 'event-every-type.json', ev);
    writeFeed(localDir, [{ ...localEvent, timestamp: T0 + 10, attributes: [...localEvent.attributes, { uuid: 'f2000000-0000-4000-8000-000000000102', type: 'domain', value: 'local-added.example', to_ids: true }] }]);
    await until('the MISP and local feed additions', async () =>
      (await at(keysOf({ type: 'domain', value: 'misp-added.example' })[0]!)).length === 1 &&
      (await at(keysOf({ type: 'domain', value: 'local-added.example' })[0]!)).length === 1);
    expect(await at(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toHaveLength(1);
    const failed = world.agent.logs().find((l) => l.code === 'MISP_ENRICH_AGENT_MISP_HTTP' && String(l.msg).startsWith('feed osint failed'));
    expect(failed).toMatchObject({ level: 'error', feed: 'osint' });
    expect((await world.agent.health()).body.feeds).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'osint', last_error: expect.objectContaining({ code: 'MISP_ENRICH_AGENT_MISP_HTTP' }) })]));
    failing = false;
  });

  it('removes the keys of an event gone from a feed\'s manifest, and takes in an edited one', async () => {
    const ok = await feedReads('osint', 'ok');
    const [one, , three] = osintEvents;
    writeFeed(osintDir, [
      { ...one!, timestamp: T0 + 20, attributes: [...one!.attributes, { uuid: 'f1000000-0000-4000-8000-000000000106', type: 'domain', value: 'edited-in.example', to_ids: true }] },
      three!,
    ]);
    await until('a read of the changed manifest', async () => (await feedReads('osint', 'ok')) >= ok + 2);
    expect(await at(keysOf({ type: 'domain', value: 'second-event.example' })[0]!)).toEqual([]);
    expect(await at(keysOf({ type: 'domain', value: 'edited-in.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
    expect(await at(keysOf({ type: 'domain', value: 'third-event.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
  });

  it('refuses a manifest that would remove most of a feed, and keeps its part', async () => {
    const errors = await feedReads('osint', 'error');
    writeFeed(osintDir, []);
    await until('the refused read', async () => (await feedReads('osint', 'error')) > errors);
    expect(world.agent.logs().some((l) => l.code === 'MISP_ENRICH_AGENT_MASS_REMOVAL' && l.feed === 'osint')).toBe(true);
    expect(await at(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toHaveLength(1);
  });

  it('keeps the feeds\' parts across a restart, and removes a feed taken out of the configuration', async () => {
    const snapshot = join(world.workDir, 'snapshot.jsonl');
    expect(existsSync(`${snapshot}.source-local`)).toBe(true);
    await world.agent.kill();
    // The feed server is down at the restart: the osint part comes from the snapshot alone.
    failing = true;
    const agent = await world.startAgent({ args: ['--feed', `osint=${feedUrl}`, '--feed-interval', '1', '--snapshot', snapshot] });
    await agent.waitFor('full', 'ok', 1);
    await until('the local feed\'s snapshot to go', () => !existsSync(`${snapshot}.source-local`));
    expect(await at(keysOf({ type: 'sha256', value: 'b'.repeat(64) })[0]!)).toEqual([]);
    expect(await at(keysOf({ type: 'domain', value: 'local-added.example' })[0]!)).toEqual([]);
    expect(await at(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
    // A memcached emptied now is reloaded with the osint part too, from the agent's memory.
    await world.reader.flush();
    await agent.waitCycles(2);
    expect(await at(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
    expect(agent.logs().some((l) => l.msg === 'source local removed from the set: 2 keys rewritten or deleted')).toBe(true);
    failing = false;
  });
});

describe('MISP feeds without a MISP server (no --misp-url; real agent, memcached, a feed over HTTP and one in a directory)', () => {
  it('loads memcached from the feeds alone, is healthy, takes a feed\'s change, serves its snapshot while the feed is down, and runs --once', async () => {
    // The feeds as they were first written (the block above changed them).
    writeFeed(osintDir, osintEvents);
    writeFeed(localDir, [localEvent]);
    const mc = await startMemcached();
    const reader = new Reader(mc.address);
    const dir = tempDir('feeds-only');
    const snapshot = join(dir, 'snapshot.jsonl');
    const args = ['--feed', `osint=${feedUrl},local=${localDir}`, '--feed-interval', '1', '--snapshot', snapshot];
    // No MISP API key anywhere: feeds need none.
    let agent = await AgentProc.start({ mispUrl: null, memcached: [mc.address], args, env: { MISP_API_KEY: '' } });
    try {
      await agent.waitFor('sources', 'ok', 1);
      expect(await reader.attributesAt(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toMatchObject([{ source: 'osint', feed: true }]);
      expect(await reader.attributesAt(keysOf({ type: 'sha256', value: 'b'.repeat(64) })[0]!)).toMatchObject([{ source: 'local', feed: true }]);
      const meta = JSON.parse((await reader.get('me1:meta'))!);
      expect(Date.parse(meta.synced_at)).toBeGreaterThan(0);
      const health = await agent.health();
      expect(health.status).toBe(200);
      expect(health.body.ok).toBe(true);
      expect(await agent.cycles('full', 'ok')).toBe(0);
      // A change in a feed flows as it does beside MISP.
      writeFeed(localDir, [{ ...localEvent, timestamp: T0 + 10, attributes: [...localEvent.attributes, { uuid: 'f2000000-0000-4000-8000-000000000199', type: 'domain', value: 'feeds-only-added.example', to_ids: true }] }]);
      await until('the local feed\'s change', async () => (await reader.attributesAt(keysOf({ type: 'domain', value: 'feeds-only-added.example' })[0]!)).length === 1);
      expect(existsSync(`${snapshot}.source-local`)).toBe(true);
      expect(existsSync(snapshot)).toBe(false);
      // Restarted while the HTTP feed is down, on an emptied memcached: the feeds' snapshots load it.
      await agent.kill();
      await reader.flush();
      failing = true;
      agent = await AgentProc.start({ mispUrl: null, memcached: [mc.address], args, env: { MISP_API_KEY: '' } });
      await agent.waitFor('sources', 'error', 1);
      expect(await reader.attributesAt(keysOf({ type: 'domain', value: 'feed-only.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
      expect((await agent.health()).body.ok).toBe(false);
      failing = false;
      await agent.waitFor('sources', 'ok', 1);
      expect((await agent.health()).body.ok).toBe(true);
    } finally {
      await agent.kill();
      reader.close();
      await mc.stop();
    }
    // --once: one read of each feed into a fresh memcached, summed up.
    const fresh = await startMemcached();
    try {
      const run = await runAgent(['--once', '--memcached', fresh.address, '--feed', `osint=${feedUrl},local=${localDir}`], {});
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.feeds.map((f: { feed: string }) => f.feed).sort()).toEqual(['local', 'osint']);
      expect(summary.attributes).toBeGreaterThanOrEqual(7);
      expect(summary.memcached).toEqual([{ server: fresh.address, loaded: true }]);
      const freshReader = new Reader(fresh.address);
      expect(await freshReader.attributesAt(keysOf({ type: 'domain', value: 'second-event.example' })[0]!)).toMatchObject([{ source: 'osint' }]);
      freshReader.close();
    } finally {
      await fresh.stop();
      removeDir(dir);
    }
  });

  it('removes a feed\'s attribute when it leaves the --max-age window, at that moment, without reading the feed again', async () => {
    const dir = tempDir('feed-aged');
    const changed = Math.floor(Date.now() / 1000) - 25;
    writeFeed(dir, [{ uuid: 'f3000000-0000-4000-8000-000000000001', info: 'aging feed event', timestamp: changed,
      attributes: [{ uuid: 'f3000000-0000-4000-8000-000000000101', type: 'domain', value: 'aging.example', to_ids: true, timestamp: String(changed) }] }]);
    const mc = await startMemcached();
    const reader = new Reader(mc.address);
    const agent = await AgentProc.start({ mispUrl: null, memcached: [mc.address], args: ['--feed', `aged=${dir}`, '--feed-interval', '3600', '--max-age', '30'], env: { MISP_API_KEY: '' } });
    try {
      await agent.waitFor('sources', 'ok', 1);
      const key = keysOf({ type: 'domain', value: 'aging.example' })[0]!;
      const [stored] = await reader.attributesAt(key);
      expect(stored).toMatchObject({ source: 'aged', expires: changed + 30 });
      await until('the aged attribute to leave memcached', async () => (await reader.attributesAt(key)).length === 0);
      // Never before its moment, and by the expiry, not by a new read of the feed.
      expect(Date.now() / 1000).toBeGreaterThanOrEqual(changed + 30 - 0.001);
      expect(await agent.metric('feed_syncs_total', { feed: 'aged', result: 'ok' })).toBe(1);
      expect(agent.logs().some((l) => l.msg === 'expired 1 attributes (decay threshold or --max-age) of aged' && l.source === 'aged')).toBe(true);
    } finally {
      await agent.kill();
      reader.close();
      await mc.stop();
      removeDir(dir);
    }
  });

  it('refuses, at start, what only a main MISP instance does when there is none', async () => {
    for (const [extra, said] of [
      [['--zmq', 'tcp://127.0.0.1:50000'], '--zmq follows the main MISP instance'],
      [['--api-key-file', '/etc/misp-enrich/api-key'], '--api-key-file works on the main MISP instance'],
      [['--warninglists'], '--warninglists works on MISP instances, and feeds alone make the set'],
      [['--decay'], '--decay works on MISP instances, and feeds alone make the set'],
    ] as const) {
      const run = await runAgent(['--once', '--memcached', '127.0.0.1:1', '--feed', `local=${localDir}`, ...extra], {});
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('MISP_ENRICH_AGENT_CONFIG');
      expect(run.stderr).toContain(said);
    }
    const none = await runAgent(['--once', '--memcached', '127.0.0.1:1'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--misp-url is required .*unless --feed or --sources give the sources/);
  });
});
