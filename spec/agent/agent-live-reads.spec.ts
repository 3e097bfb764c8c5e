// What a live update (ZeroMQ) reads from MISP, counted by misp-sim: the agent's own sync engine,
// MISP client and memcached store (syncParts, as the agent builds them) over a real misp-sim and a
// real memcached, driven with the batches the ZeroMQ queue hands over. Which messages land in one
// batch depends on timing in the running agent; here each batch is given, so the count is exact.
import { beforeAll, describe, expect, it } from 'vitest';
import { syncParts } from '../../agent/run/build.js';
import { createLogger } from '../../agent/ops/logger.js';
import { declareAgentMetrics, Metrics } from '../../agent/ops/metrics.js';
import { parseOptions } from '../../agent/ops/options.js';
import { IndicatorState } from '../../agent/sync/state.js';
import { API_KEY, keysOf, writeEvent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

const now = Math.floor(Date.now() / 1000);
const uuid = (n: number) => `d2000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const attribute = (n: number, value: string) => ({ uuid: uuid(n), type: 'domain', value, category: 'Network activity', to_ids: true, timestamp: now });
const event = (id: string, n: number, attributes: unknown[]) => ({
  Event: { id, uuid: `d1000000-0000-4000-8000-${String(n).padStart(12, '0')}`, info: `live reads ${id}`, published: true, publish_timestamp: now, timestamp: now, Attribute: attributes },
});

describe('the sync engine applying a live batch', () => {
  const world = useAgentWorld({ data: (dir) => writeEvent(dir, 'other.json', event('7301', 1, [attribute(1, 'other.live-reads.example')])) });
  let parts: ReturnType<typeof syncParts>;
  const stored = async (value: string) => (await world.reader.attributesAt(keysOf({ type: 'domain', value })[0]!)).map((a) => a.uuid);
  const searches = async () => ((await world.sim.admin('/_sim/stats')) as { by_path: Record<string, number> }).by_path['/attributes/restSearch'] ?? 0;

  beforeAll(async () => {
    const { options } = parseOptions(['--misp-url', world.sim.url, '--memcached', world.mc.address], {});
    const metrics = new Metrics();
    declareAgentMetrics(metrics, { version: 'spec', servers: [world.mc.address], kinds: [], zmq: false });
    parts = syncParts(options, API_KEY, new IndicatorState(), createLogger({ write: () => {} }), metrics);
    await parts.store.checkAll();
    await parts.engine.fullSync();
    return async () => {
      parts.store.close();
      await parts.http?.close();
    };
  });

  it('reads an attribute announced in an event it lists again in the same batch once, with the event', async () => {
    // A new event published at once: MISP announces each attribute and the publication.
    writeEvent(world.dataDir, 'new.json', event('7302', 2, [attribute(2, 'a.live-reads.example'), attribute(3, 'b.live-reads.example')]));
    const before = await searches();
    const s = await parts.engine.applyLive({ attributes: [uuid(2), uuid(3)], deleted: [], events: new Map(), eventAttributes: ['7302'] });
    expect(await searches()).toBe(before + 1);
    expect(s.attributes.added).toBe(2);
    expect(s.events_resynced).toBe(1);
    expect(await stored('a.live-reads.example')).toEqual([uuid(2)]);
  });

  it('still reads by uuid what the listing did not hold (an attribute of another event)', async () => {
    writeEvent(world.dataDir, 'other.json', event('7301', 1, [{ ...attribute(1, 'renamed.live-reads.example'), timestamp: now + 1 }]));
    const before = await searches();
    const s = await parts.engine.applyLive({ attributes: [uuid(1), uuid(3)], deleted: [], events: new Map(), eventAttributes: ['7302'] });
    // The listing of 7302 holds uuid(3) (not read again); uuid(1) is read by uuid.
    expect(await searches()).toBe(before + 2);
    expect(s.attributes.changed).toBe(1);
    expect(await stored('renamed.live-reads.example')).toEqual([uuid(1)]);
    expect(await stored('other.live-reads.example')).toEqual([]);
  });
});
