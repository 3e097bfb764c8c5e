// Real-time updates from MISP's ZeroMQ feed: the real agent subscribed (--zmq) to misp-sim's
// publisher, which publishes what MISP's code publishes (misp_json_attribute with add, edit,
// soft-delete and delete; misp_json on publish; misp_json_self heartbeats) when its data folder
// changes, a real memcached, and the plugin jar reading it. Polling is set to 10 minutes, so what
// changes within the spec's deadlines came through the feed; the specs also check that no
// polling cycle ran meanwhile. A dropped message and a publisher restart lose nothing: the
// heartbeat and the reconnect each trigger an incremental sync.
import { beforeAll, describe, expect, it } from 'vitest';
import { assertJarsBuilt, runFilter } from '../plugin-java/harness.js';
import { keysOf, until, writeEvent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

/** What the issue asks: a change in MISP reaches memcached within 5 s. A guard, not a measure. */
const WITHIN = 5_000;
const EVENT_UUID = 'c1000000-0000-4000-8000-000000000001';
const now = () => Math.floor(Date.now() / 1000);
/** Published once: a new publish_timestamp would be a new publication (misp_json). */
const PUBLISHED_AT = now();

interface Attr {
  uuid: string;
  type: string;
  value: string;
  to_ids: boolean;
  timestamp: number;
  deleted?: boolean;
  category: string;
}

const attr = (n: number, type: string, value: string): Attr => ({
  uuid: `c2000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type,
  value,
  to_ids: true,
  timestamp: now(),
  category: 'Network activity',
});

function event(attributes: Attr[], extra: Record<string, unknown> = {}) {
  const ts = Math.max(now(), ...attributes.map((a) => a.timestamp));
  return {
    Event: {
      id: '7101',
      uuid: EVENT_UUID,
      info: 'ZeroMQ spec event',
      published: true,
      publish_timestamp: PUBLISHED_AT,
      timestamp: ts,
      threat_level_id: '1',
      Tag: [{ name: 'tlp:green' }],
      Attribute: attributes,
      ...extra,
    },
  };
}

describe('the agent on MISP ZeroMQ feed (real agent, misp-sim publisher, memcached, plugin jar)', () => {
  // The spec's own set of attributes, rewritten into the one event file at each step.
  const first = attr(1, 'ip-dst', '198.51.100.21');
  const kept = attr(2, 'domain', 'kept.zmq-spec.example');

  beforeAll(() => assertJarsBuilt());
  const world = useAgentWorld({
    data: (dir) => writeEvent(dir, 'zmq.json', event([first, kept])),
    sim: { zmqHeartbeatS: 10 },
    // Silence is not what these specs test: a long watchdog keeps it from syncing on its own.
    agent: { args: (w) => ['--interval', '600', '--key-ttl', '1800', '--zmq', w.sim.zmqEndpoint, '--zmq-heartbeat', '300'] },
  });
  const stored = async (type: string, value: string): Promise<string[]> => (await world.reader.attributesAt(keysOf({ type, value })[0]!)).map((a) => a.uuid);
  const polls = () => world.agent.cycles('incremental');
  const applied = () => world.agent.metric('zmq_messages_total', { topic: 'misp_json_attribute', result: 'applied' });

  beforeAll(async () => {
    await until('the feed to connect', async () => (await world.agent.metric('zmq_connected')) === 1);
    expect(await stored('ip-dst', first.value)).toEqual([first.uuid]);
  });

  it('applies an added, an edited, a soft-deleted and a hard-deleted attribute as MISP announces them', async () => {
    // No heartbeat meanwhile: each one triggers an incremental sync, and here every change must
    // come through the feed alone.
    await world.sim.zmq({ heartbeat_s: 0 });
    const pollsBefore = await polls();
    const added = attr(3, 'url', 'http://added.zmq-spec.example/drop');

    const appliedBefore = await applied();
    writeEvent(world.dataDir, 'zmq.json', event([first, kept, added]));
    await until('the added attribute in memcached', async () => (await stored('url', added.value)).includes(added.uuid), WITHIN);
    expect(await applied()).toBeGreaterThan(appliedBefore);

    // Edited: the value changes, so the old key loses the attribute and the new key gets it.
    const edited = { ...first, value: '198.51.100.22', timestamp: now() + 1 };
    writeEvent(world.dataDir, 'zmq.json', event([edited, kept, added]));
    await until('the edit in memcached', async () => (await stored('ip-dst', edited.value)).includes(first.uuid) && (await stored('ip-dst', first.value)).length === 0, WITHIN);

    let r = await runFilter({
      settings: { memcached_hosts: [world.mc.address], fetch_context: false },
      events: [{ destination: { ip: edited.value } }, { destination: { ip: first.value } }, { url: { full: added.value } }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.threat.enrichments[0].misp.attribute.uuid).toBe(first.uuid);
    expect(r.events[1]).not.toHaveProperty('threat');
    expect(r.events[2]!.threat.enrichments[0].misp.attribute.uuid).toBe(added.uuid);

    // Soft-deleted (MISP announces "soft-delete") and hard-deleted ("delete": gone from the file).
    writeEvent(world.dataDir, 'zmq.json', event([{ ...edited, deleted: true, timestamp: now() + 2 }, kept]));
    await until('the soft delete and the hard delete in memcached', async () => (await stored('ip-dst', edited.value)).length === 0 && (await stored('url', added.value)).length === 0, WITHIN);
    r = await runFilter({
      settings: { memcached_hosts: [world.mc.address], fetch_context: false },
      events: [{ destination: { ip: edited.value } }, { url: { full: added.value } }, { dns: { question: { name: kept.value } } }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]).not.toHaveProperty('threat');
    expect(r.events[1]).not.toHaveProperty('threat');
    expect(r.events[2]!.threat.enrichments[0].misp.attribute.uuid).toBe(kept.uuid);

    // All of it came through the feed: with --interval 600 no polling cycle ran meantime.
    expect(await polls()).toBe(pollsBefore);
    const topics = (await world.sim.zmq()).by_topic;
    expect(topics.misp_json_attribute).toBeGreaterThanOrEqual(4);
    expect(await world.agent.metric('live_updates_total', { result: 'ok' })).toBeGreaterThanOrEqual(3);
  });

  it('adds the attributes of an event when MISP announces it is published', async () => {
    const pending = attr(10, 'sha256', '0b2a8a6de6b7f3a5c8b0a0d9e5d8c2a1f4e3b2c1d0e9f8a7b6c5d4e3f2a1b0c9');
    writeEvent(world.dataDir, 'later.json', {
      Event: { id: '7102', uuid: 'c1000000-0000-4000-8000-000000000002', info: 'published later', published: false, timestamp: now(), Attribute: [pending] },
    });
    // Unpublished (--published-only): the attribute is announced but not stored.
    await until('the unpublished event announced', async () => ((await world.sim.zmq()).by_topic.misp_json_event ?? 0) >= 1, WITHIN);
    expect(await stored('sha256', pending.value)).toEqual([]);
    const publishes = (await world.sim.zmq()).by_topic.misp_json ?? 0;
    writeEvent(world.dataDir, 'later.json', {
      Event: { id: '7102', uuid: 'c1000000-0000-4000-8000-000000000002', info: 'published later', published: true, publish_timestamp: now(), timestamp: now(), Attribute: [pending] },
    });
    await until('the published event in memcached', async () => (await stored('sha256', pending.value)).includes(pending.uuid), WITHIN);
    // The agent may read the event back before misp-sim's next look at its folder publishes
    // misp_json (it reads the folder on every request): wait for the publication itself too.
    await until('the publication announced', async () => (await world.sim.zmq()).by_topic.misp_json === publishes + 1, WITHIN);
    expect(await world.agent.metric('zmq_messages_total', { topic: 'misp_json', result: 'applied' })).toBeGreaterThanOrEqual(1);
  });

  it('loses nothing to a dropped message: the next heartbeat triggers an incremental sync', async () => {
    await world.sim.zmq({ heartbeat_s: 2 });
    const missed = attr(20, 'domain', 'dropped.zmq-spec.example');
    // Anything misp-sim has yet to publish goes out now, so the drop takes this test's message.
    await world.sim.admin('/_sim/reload', {});
    const dropped = (await world.sim.zmq({ drop: 1 })).dropped;
    const heartbeats = await world.agent.metric('zmq_gaps_total', { reason: 'heartbeat' });
    writeEvent(world.dataDir, 'zmq.json', event([kept, missed]));
    await until('misp-sim to drop the announcement', async () => (await world.sim.zmq()).dropped > dropped);
    await until('the missed attribute in memcached', async () => (await stored('domain', missed.value)).includes(missed.uuid));
    expect(await world.agent.metric('zmq_gaps_total', { reason: 'heartbeat' })).toBeGreaterThan(heartbeats);
    expect(await polls()).toBeGreaterThan(0);
  });

  it('loses nothing to a publisher restart: the reconnect triggers an incremental sync', async () => {
    // No heartbeat: what repairs the loss must be the reconnect.
    await world.sim.zmq({ heartbeat_s: 0 });
    const polled = await polls();
    const during = attr(30, 'hostname', 'restart.zmq-spec.example');
    const reconnects = await world.agent.metric('zmq_gaps_total', { reason: 'reconnect' });
    await world.sim.admin('/_sim/reload', {});
    await world.sim.zmq({ stop: true });
    await until('the agent to see the publisher go', async () => (await world.agent.metric('zmq_connected')) === 0);
    const dropped = (await world.sim.zmq()).dropped;
    writeEvent(world.dataDir, 'zmq.json', event([kept, during]));
    // Published while no socket is bound: lost, as MISP's are while mispzmq.py restarts.
    await until('misp-sim to lose the announcement', async () => (await world.sim.zmq()).dropped > dropped);
    await world.sim.zmq({ start: true });
    await until('the agent to reconnect', async () => (await world.agent.metric('zmq_connected')) === 1);
    await until('the attribute changed while the publisher was down, in memcached', async () => (await stored('hostname', during.value)).includes(during.uuid));
    expect(await world.agent.metric('zmq_gaps_total', { reason: 'reconnect' })).toBeGreaterThan(reconnects);
    expect(await polls()).toBeGreaterThan(polled);
  });
});
